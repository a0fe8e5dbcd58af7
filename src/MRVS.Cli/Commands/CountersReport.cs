using System.Globalization;
using System.Text.RegularExpressions;
using MRVS.Core.Execution;
using MRVS.Pipeline.Benchmarking;

namespace MRVS.Cli.Commands;

/// <summary>
/// What <c>mrvs bench --counters [--model h100|h200]</c> prints: the counters per kernel and per op kind, their
/// closing line, and the roofline model.
/// </summary>
public static class CountersReport
{
    private const double MiB = 1048576.0;

    public static void PrintCounters(ForwardCounters counters)
    {
        if (counters.Extrapolated)
            Line("counted at {0} frames, extrapolated node by node to {1} frames (each figure affine in the frames)",
                string.Join(" and ", counters.CountedFrames), counters.Shape.Frames);
        Console.WriteLine("per kernel (kernels: distinct 32-byte sectors each thread block read and wrote; footprint: "
            + "those of all a launch's blocks together, re-read = traffic / footprint; GEMMs: operands read once, "
            + "result written once):");
        const string kernelRow = "  {0,-30} {1,9} {2,11} {3,10:F1} {4,11:F1} {5,11:F1} {6,5:F1}% {7,13:F1} {8,7:F2}";
        Line(Header(kernelRow), "kernel", "launches", "blocks", "read MiB", "written MiB", "traffic MiB", "share",
            "footprint MiB", "re-read");
        double traffic = counters.TrafficBytes;
        foreach (var k in counters.ByKernel())
            Line(kernelRow, k.Name, k.Launches, k.Blocks, k.ReadBytes / MiB, k.WrittenBytes / MiB, k.TrafficBytes / MiB,
                100 * k.TrafficBytes / traffic, k.FootprintBytes / MiB, k.RereadRatio);
        Console.WriteLine("per op kind (compulsory: each input read once, the output written once):");
        const string opRow = "  {0,-30} {1,6} {2,9} {3,11:F1} {4,14:F1} {5,6:F2} {6,9:F1}";
        Line(Header(opRow), "op", "nodes", "launches", "traffic MiB", "compulsory MiB", "ratio", "GFLOP");
        foreach (var g in counters.Nodes.GroupBy(n => n.Op).OrderByDescending(g => g.Sum(n => n.TrafficBytes)))
        {
            long t = g.Sum(n => n.TrafficBytes), c = g.Sum(n => n.CompulsoryBytes);
            Line(opRow, g.Key, g.Count(), g.Sum(n => n.Launches), t / MiB, c / MiB, c == 0 ? 0 : (double)t / c,
                g.Sum(n => n.Flops) / 1e9);
        }
        double ratio = (double)counters.TrafficBytes / counters.CompulsoryBytes;
        Line("counters: launches {0}, global traffic {1:F1} MiB, compulsory {2:F1} MiB (X/Y = {3:F2})",
            counters.Launches, counters.TrafficBytes / MiB, counters.CompulsoryBytes / MiB, ratio);
        foreach (var s in counters.OneSided)
            Line("warning: {0}, extrapolated from none at the other count: count at --frames itself for its work", s);
    }

    public static void PrintModel(RooflineModel model, ForwardCounters counters, int top = 15)
    {
        var (gpu, a) = (model.Gpu, model.Assumptions);
        var nodes = model.Model(counters);
        Line("roofline MODEL for {0} ({1:F2} TB/s, {2:F0} TFLOP/s FP32, {3:F0} TFLOP/s dense BF16/FP16), {4} GEMMs: "
            + "modeled from the counters, not measured", gpu.Name, gpu.BytesPerSecond / 1e12,
            gpu.Fp32FlopsPerSecond / 1e12, gpu.DenseTensorFlopsPerSecond / 1e12, model.Precision.Name());
        Line("assumptions: memory at {0:P0} of bandwidth; kernels at {1:P0} of FP32 peak, or {2:P0} of dense tensor "
            + "peak where they issue MMAs; cuBLAS at {3:P0} of FP32 peak (fp32) or {4:P0} of dense tensor peak "
            + "(fp16/bf16); a launch costs {5} µs eager, {6} µs in graph replay", a.Memory, a.KernelFp32,
            a.KernelTensor, a.GemmFp32, a.GemmTensor, a.LaunchMicrosecondsEager, a.LaunchMicrosecondsGraph);
        Console.WriteLine($"top {top} nodes by modeled time (eager):");
        const string nodeRow = "  {0,-44} {1,-22} {2,8} {3,11:F1} {4,8:F2} {5,9:F3} {6,10:F3} {7,9:F3} {8,8:F3}  {9}";
        Line(Header(nodeRow), "node", "op", "launches", "traffic MiB", "GFLOP", "memory ms", "compute ms", "launch ms",
            "model ms", "bound");
        foreach (var n in nodes.OrderByDescending(n => n.EagerMs).Take(top))
            Line(nodeRow, Clip(n.Work.Node, 44), n.Work.Op, n.Work.Launches, n.Work.TrafficBytes / MiB,
                n.Work.Flops / 1e9, n.MemoryMs, n.ComputeMs, n.LaunchMsEager, n.EagerMs, n.Bound);
        double eager = nodes.Sum(n => n.EagerMs), graph = nodes.Sum(n => n.GraphMs);
        Console.WriteLine("per op kind (modeled, eager):");
        foreach (var g in nodes.GroupBy(n => n.Work.Op).OrderByDescending(g => g.Sum(n => n.EagerMs)))
            Line("  {0,-30} {1,6} nodes {2,9:F3} ms {3,5:F1}%", g.Key, g.Count(), g.Sum(n => n.EagerMs),
                100 * g.Sum(n => n.EagerMs) / eager);
        Line("model: forward {0:F2} ms eager, {1:F2} ms with graph replay on {2} (modeled, not measured); "
            + "of which {3:F2} / {4:F2} ms launch cost for {5} launches", eager, graph, gpu.Name,
            nodes.Sum(n => n.LaunchMsEager), nodes.Sum(n => n.LaunchMsGraph), counters.Launches);
    }

    private static void Line(string format, params object?[] args) =>
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, format, args));

    /// <summary>A row's format for its header: the same widths, without number formats.</summary>
    private static string Header(string row) => Regex.Replace(row, @":F\d", "").Replace('%', ' ');

    private static string Clip(string s, int width) => s.Length <= width ? s : "…" + s[^(width - 1)..];
}
