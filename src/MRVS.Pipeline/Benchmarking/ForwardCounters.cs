using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Pipeline.Benchmarking;

/// <summary>One kernel's (or GEMM's, or copy's) share of a counted forward; FootprintBytes sums its launches' (<see
/// cref="DeviceWork.FootprintBytes"/>).</summary>
public sealed record KernelTotals(
    string Name, DeviceWorkKind Kind, long Launches, long Blocks, long ReadBytes, long WrittenBytes,
    long FootprintBytes)
{
    /// <summary>Bytes read and written (distinct 32-byte sectors per thread block).</summary>
    public long TrafficBytes => ReadBytes + WrittenBytes;

    /// <summary>Traffic over footprint: how often the blocks of a launch fetch the same bytes again.</summary>
    public double RereadRatio => FootprintBytes == 0 ? 0 : (double)TrafficBytes / FootprintBytes;
}

/// <summary>
/// The memory traffic of one forward, node by node, as the instrumented emulation counts it
/// (<see cref="IWorkCounters"/>): launches, distinct 32-byte sectors per thread block, GEMM operands, and each
/// node's compulsory bytes and FLOPs. Either counted at <see cref="Shape"/>'s frames, or extrapolated to them from
/// counts at two smaller frame counts (<see cref="CountedFrames"/>).
/// </summary>
public sealed record ForwardCounters(
    ForwardShape Shape, Precision Precision, IReadOnlyList<NodeWork> Nodes, IReadOnlyList<int> CountedFrames)
{
    /// <summary>Kernel launches of the forward.</summary>
    public long Launches => Nodes.Sum(n => n.Launches);
    /// <summary>Bytes the kernels read and wrote, all nodes.</summary>
    public long TrafficBytes => Nodes.Sum(n => n.TrafficBytes);
    /// <summary>Bytes each node must move at least (its inputs once and its output), all nodes.</summary>
    public long CompulsoryBytes => Nodes.Sum(n => n.CompulsoryBytes);
    /// <summary>Floating-point operations, all nodes.</summary>
    public long Flops => Nodes.Sum(n => n.Flops);
    /// <summary>Whether the counts were extrapolated from smaller frame counts.</summary>
    public bool Extrapolated => CountedFrames.Count > 1;

    /// <summary>"node: kernel" for each kernel an extrapolated node ran at only one of the two counts; its figures
    /// are then extrapolated from zero at the other, which over- or underestimates them.</summary>
    public IReadOnlyList<string> OneSided { get; init; } = [];

    /// <summary>Totals per kernel (GEMMs and copies under their own names), most traffic first.</summary>
    public IReadOnlyList<KernelTotals> ByKernel() =>
    [
        .. Nodes.SelectMany(n => n.Work).GroupBy(w => (w.Kind, w.Name))
            .Select(g => new KernelTotals(g.Key.Name, g.Key.Kind, g.Sum(w => w.Count), g.Sum(w => w.Blocks),
                g.Sum(w => w.ReadBytes), g.Sum(w => w.WrittenBytes), g.Sum(w => w.FootprintBytes)))
            .OrderByDescending(k => k.TrafficBytes),
    ];

    /// <summary>
    /// One forward on random inputs, dispatched node by node on a backend whose device counts (cuda-emu with
    /// counters). With 16-bit GEMMs a first forward narrows the weights once; it runs uncounted first, so that the
    /// count is a steady forward's.
    /// </summary>
    public static ForwardCounters Count(ModelConfig config, WeightStore weights, ForwardShape shape, IBackend backend)
    {
        if (backend.Counters is not { } counters)
            throw new ArgumentException(
                $"counters need the instrumented emulation (--backend cuda-emu --counters), not '{backend.Name}'");
        var graph = SocModel.Build(config, weights, shape);
        using var executor = new Executor(graph, backend, [SocModel.PredMasks, SocModel.PredCls]);
        var inputs = ForwardBenchmark.RandomInputs(shape, config);
        try
        {
            if (backend.Precision != Precision.Fp32) ForwardBenchmark.Dispose(executor.Run(inputs).Outputs);
            counters.Clear();
            ForwardBenchmark.Dispose(executor.Run(inputs, timeNodes: true).Outputs);
            var nodes = counters.Nodes.ToList();
            counters.Clear();
            return new ForwardCounters(shape, backend.Precision, nodes, [shape.Frames]);
        }
        finally
        {
            ForwardBenchmark.Dispose(inputs);
        }
    }

    /// <summary>
    /// The nodes one forward at <paramref name="shape"/> runs, with their compulsory bytes and FLOPs but no work: what
    /// the graph alone tells, without running it. The graph is rewritten (its constants folded on the CPU) and
    /// scheduled as <see cref="Executor"/> does for <see cref="Count"/>'s outputs, so that the nodes are the counted
    /// ones.
    /// </summary>
    public static IReadOnlyList<NodeWork> Plan(ModelConfig config, WeightStore weights, ForwardShape shape)
    {
        var graph = SocModel.Build(config, weights, shape);
        Value[] outputs = [graph.Taps[SocModel.PredMasks], graph.Taps[SocModel.PredCls]];
        using var cpu = BackendFactory.Create(Backend.Cpu);
        using var rewrite = GraphRewrite.Apply(graph, outputs, GraphPasses.All, cpu);
        var plan = MemoryPlanner.Plan(rewrite.Graph, [.. outputs.Select(v => rewrite[v])]);
        return
        [
            .. plan.Schedule.Where(n => !n.Op.IsView)
                .Select(n => new NodeWork(n.Name, n.Op.Kind, n.CompulsoryBytes, n.Flops, [])),
        ];
    }

    /// <summary>
    /// Every node's measured figures (traffic, launches, blocks) at <paramref name="target"/>'s frames from counts at
    /// two smaller frame counts, assuming each is affine in the frames (per-frame work plus a fixed part); compulsory
    /// bytes and FLOPs are the target graph's own (<see cref="Plan"/>). Work of one name in a node is summed. What
    /// grows faster than the frames is underestimated: Video Swin's window attention reads its heads' [N, N] bias
    /// per block, N = 49·T while the temporal window (8) is clipped to T frames. A kernel that runs at only one of
    /// the two counts (switched on by the shape) is extrapolated from zero work at the other.
    /// </summary>
    public static ForwardCounters Extrapolate(ForwardCounters a, ForwardCounters b, ForwardShape shape,
        IReadOnlyList<NodeWork> target)
    {
        int ta = a.Shape.Frames, tb = b.Shape.Frames, frames = shape.Frames;
        if (ta == tb || a.Nodes.Count != b.Nodes.Count || a.Nodes.Count != target.Count
            || a.Precision != b.Precision)
            throw new ArgumentException(
                $"cannot extrapolate from counts at {ta} and {tb} frames ({a.Nodes.Count} and {b.Nodes.Count} nodes)");
        double f = (double)(frames - ta) / (tb - ta);
        var oneSided = new List<string>();
        long At(long va, long vb) => Math.Max(0, (long)Math.Round(va + (vb - va) * f));
        var nodes = a.Nodes.Zip(b.Nodes, target).Select(x =>
        {
            var (na, nb, nt) = x;
            if (na.Node != nb.Node || na.Node != nt.Node)
                throw new ArgumentException($"the graphs at {ta} and {tb} frames differ: {na.Node} vs {nb.Node}");
            var (wa, wb) = (Merge(na.Work), Merge(nb.Work));
            // A kernel the shape switches on (v2p splits its keys over blocks once they are many) runs at one count
            // only: the other counts it as zero work.
            DeviceWork Or0(Dictionary<(DeviceWorkKind, string), DeviceWork> w, DeviceWork other) =>
                w.GetValueOrDefault((other.Kind, other.Name))
                ?? other with
                {
                    Count = 0,
                    Blocks = 0,
                    ReadBytes = 0,
                    WrittenBytes = 0,
                    FootprintBytes = 0,
                    Flops = 0,
                    TensorFlops = 0,
                };
            oneSided.AddRange(wa.Keys.Except(wb.Keys).Select(k => $"{nt.Node}: {k.Name} at {ta} frames only")
                .Concat(wb.Keys.Except(wa.Keys).Select(k => $"{nt.Node}: {k.Name} at {tb} frames only")));
            var work = wa.Values.Where(w => !wb.ContainsKey((w.Kind, w.Name))).Concat(wb.Values).Select(any =>
            {
                var (x, w) = (Or0(wa, any), Or0(wb, any));
                return w with
                {
                    Count = At(x.Count, w.Count),
                    Blocks = At(x.Blocks, w.Blocks),
                    ReadBytes = At(x.ReadBytes, w.ReadBytes),
                    WrittenBytes = At(x.WrittenBytes, w.WrittenBytes),
                    FootprintBytes = At(x.FootprintBytes, w.FootprintBytes),
                    Flops = At(x.Flops, w.Flops),
                    TensorFlops = At(x.TensorFlops, w.TensorFlops),
                };
            }).ToList();
            return nt with { Work = work };
        }).ToList();
        return new ForwardCounters(shape, a.Precision, nodes, [ta, tb]) { OneSided = oneSided };
    }

    private static Dictionary<(DeviceWorkKind Kind, string Name), DeviceWork> Merge(IEnumerable<DeviceWork> work) =>
        work.GroupBy(w => (w.Kind, w.Name)).ToDictionary(g => g.Key, g => g.Aggregate((x, y) => x with
        {
            Count = x.Count + y.Count,
            Blocks = x.Blocks + y.Blocks,
            ReadBytes = x.ReadBytes + y.ReadBytes,
            WrittenBytes = x.WrittenBytes + y.WrittenBytes,
            FootprintBytes = x.FootprintBytes + y.FootprintBytes,
            Flops = x.Flops + y.Flops,
            TensorFlops = x.TensorFlops + y.TensorFlops,
        }));
}
