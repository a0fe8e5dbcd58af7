using System.Diagnostics;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Pipeline.Benchmarking;

/// <summary>Time, nodes and FLOPs of one op kind in the per-node timed run.</summary>
public sealed record OpKindTiming(string Op, double Ms, int Nodes, long Flops);

/// <summary>Timing of whole forwards (graph build excluded) and where the time goes, per op kind.</summary>
/// <param name="Backend">The backend's name.</param>
/// <param name="Shape">The forward's input shape.</param>
/// <param name="ArenaBytes">The memory plan's arena: the peak of the intermediates.</param>
/// <param name="BuildMs">Graph build, plan and upload.</param>
/// <param name="RunMs">Each timed forward.</param>
/// <param name="ByOp">One node-by-node timed run, per op kind, slowest first.</param>
/// <param name="PeakWorkingSetBytes">The process's peak working set.</param>
/// <param name="ForwardFlops">The FLOPs of one forward, summed over the executed nodes (<see
/// cref="Op.Flops"/>).</param>
/// <param name="GemmPeakGflops">The backend's best 1024³ GEMM in this process, measured before the forwards.</param>
/// <param name="Rewrite">What constant folding and the graph-level fusion pass did to the forward's graph.</param>
/// <param name="CpuTime">The process CPU time of each timed run and of the best peak GEMM.</param>
public sealed record ForwardBenchmarkResult(string Backend, ForwardShape Shape, long ArenaBytes, double BuildMs,
    IReadOnlyList<double> RunMs, IReadOnlyList<OpKindTiming> ByOp, long PeakWorkingSetBytes, long ForwardFlops,
    double GemmPeakGflops, GraphRewrite Rewrite, CpuTimeAccount CpuTime)
{
    /// <summary>The median timed forward.</summary>
    public double MedianMs => RunMs.Order().ElementAt(RunMs.Count / 2);

    /// <summary>Effective GFLOP/s of the median forward.</summary>
    public double Gflops => ForwardFlops / (MedianMs * 1e6);

    /// <summary>The forward's effective GFLOP/s as a fraction of the same process's GEMM peak: comparable across
    /// machines and load.</summary>
    public double Efficiency => Gflops / GemmPeakGflops;
}

/// <summary>
/// CPU time next to wall time, on a machine shared with other work: GFLOP per CPU-second of the forward against the
/// peak GEMM's, an efficiency that time slices lost to other processes do not disturb (shared caches and cores still
/// do; it cannot see threads left idle, so it bounds the wall-time efficiency from above when the machine is quiet).
/// Meaningful where the backend computes on the host's cores.
/// </summary>
public sealed record CpuTimeAccount(IReadOnlyList<double> RunCpuMs, double GemmPeakCpuMs, long ForwardFlops)
{
    /// <summary>CPU time of the median timed forward.</summary>
    public double MedianCpuMs => RunCpuMs.Order().ElementAt(RunCpuMs.Count / 2);
    /// <summary>The peak GEMM's GFLOP per CPU-second.</summary>
    public double PeakGflopsPerCpuSecond =>
        2.0 * ForwardBenchmark.PeakGemmSize * ForwardBenchmark.PeakGemmSize * ForwardBenchmark.PeakGemmSize
        / (GemmPeakCpuMs * 1e6);
    /// <summary>The forward's GFLOP per CPU-second.</summary>
    public double GflopsPerCpuSecond => ForwardFlops / (MedianCpuMs * 1e6);
    /// <summary>The forward's GFLOP per CPU-second as a fraction of the peak GEMM's.</summary>
    public double Efficiency => GflopsPerCpuSecond / PeakGflopsPerCpuSecond;
}

/// <summary>
/// Runs the model end to end on random inputs with given weights (synthetic ones for shapes without a checkpoint):
/// the backend's GEMM peak first, then warm-up runs and timed runs; one extra run with per-node timing gives the
/// per-op breakdown.
/// </summary>
public static class ForwardBenchmark
{
    /// <summary>Side of the square GEMM whose best time defines the peak.</summary>
    public const int PeakGemmSize = 1024;

    /// <param name="config">The model's shape.</param>
    /// <param name="weights">Its weights (synthetic ones work).</param>
    /// <param name="shape">Frames, frame size and sentence length of the forward.</param>
    /// <param name="backend">Where it runs.</param>
    /// <param name="warmup">Untimed runs first.</param>
    /// <param name="runs">Timed runs.</param>
    /// <param name="maxArenaBytes">The most the forward's intermediates may take (see <see
    /// cref="Core.Limits.ResourceLimits.ArenaLimit"/>).</param>
    public static ForwardBenchmarkResult Run(ModelConfig config, WeightStore weights, ForwardShape shape,
        IBackend backend, int warmup, int runs, long maxArenaBytes = long.MaxValue)
    {
        var (peak, peakCpuMs) = GemmPeak(backend);
        var sw = Stopwatch.StartNew();
        var graph = SocModel.Build(config, weights, shape);
        using var executor = new Executor(graph, backend, [SocModel.PredMasks, SocModel.PredCls], maxArenaBytes);
        double buildMs = sw.Elapsed.TotalMilliseconds;
        var inputs = RandomInputs(shape, config);
        for (int i = 0; i < warmup; i++) Dispose(executor.Run(inputs).Outputs);
        var times = new List<double>();
        var cpuTimes = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var cpu = ProcessCpuMs();
            sw.Restart();
            Dispose(executor.Run(inputs).Outputs);
            times.Add(sw.Elapsed.TotalMilliseconds);
            cpuTimes.Add(ProcessCpuMs() - cpu);
        }
        var timed = executor.Run(inputs, timeNodes: true);
        Dispose(timed.Outputs);
        var flops = executor.Plan.Schedule.Where(n => !n.Op.IsView).ToDictionary(n => n.Name, n => n.Flops);
        var byOp = timed.Timings.GroupBy(t => t.Op)
            .Select(g => new OpKindTiming(g.Key, g.Sum(t => t.Milliseconds), g.Count(), g.Sum(t => flops[t.Node])))
            .OrderByDescending(x => x.Ms).ToList();
        Dispose(inputs);
        long total = flops.Values.Sum();
        return new ForwardBenchmarkResult(backend.Name, shape, executor.Plan.ArenaBytes, buildMs, times, byOp,
            Process.GetCurrentProcess().PeakWorkingSet64, total, peak, executor.Rewrite,
            new CpuTimeAccount(cpuTimes, peakCpuMs, total));
    }

    private static double ProcessCpuMs() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    /// <summary>
    /// GFLOP/s of the backend's best <see cref="PeakGemmSize"/>³ float32 GEMM (node time, best of a few after a
    /// warm-up), and the process CPU time of that best run.
    /// </summary>
    public static (double Gflops, double CpuMs) GemmPeak(IBackend backend, int tries = 4)
    {
        const int n = PeakGemmSize;
        var g = new ComputeGraph();
        var op = new MatMulOp();
        g.Tap("c", g.Add(op, "gemm", g.Input("a", DType.F32, n, n), g.Input("b", DType.F32, n, n)));
        var rng = new Random(1);
        var inputs = new Dictionary<string, Tensor>
        {
            ["a"] = Tensor.Zeros(DType.F32, n, n),
            ["b"] =
            Tensor.Zeros(DType.F32, n, n)
        };
        foreach (var t in inputs.Values)
            foreach (ref var v in t.Span<float>()) v = (float)(rng.NextDouble() - 0.5);
        using var executor = new Executor(g, backend);
        double best = double.MaxValue, bestCpu = 0;
        for (int i = 0; i <= tries; i++)
        {
            var cpu = ProcessCpuMs();
            var r = executor.Run(inputs, timeNodes: true);
            cpu = ProcessCpuMs() - cpu;
            Dispose(r.Outputs);
            if (i > 0 && r.Timings[0].Milliseconds < best) (best, bestCpu) = (r.Timings[0].Milliseconds, cpu);
        }
        Dispose(inputs);
        return (2.0 * n * n * n / (best * 1e6), bestCpu);
    }

    internal static void Dispose(IReadOnlyDictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values) t.Dispose();
    }

    /// <summary>Normalised-range random frames, no padding, and a sentence of random in-vocabulary tokens.</summary>
    public static Dictionary<string, Tensor> RandomInputs(ForwardShape s, ModelConfig config, int seed = 1)
    {
        var rng = new Random(seed);
        var frames = Tensor.Zeros(DType.F32, s.Frames, 1, 3, s.Height, s.Width);
        foreach (ref var v in frames.Span<float>()) v = (float)(rng.NextDouble() * 4 - 2);
        var ids = Tensor.Zeros(DType.I64, 1, s.TextLength);
        var idSpan = ids.Span<long>();
        for (int i = 0; i < s.TextLength; i++)
            idSpan[i] = i == 0 ? config.Roberta.BosTokenId : i == s.TextLength - 1 ? config.Roberta.EosTokenId
                : rng.Next(3, config.Roberta.VocabSize);
        return new Dictionary<string, Tensor> { [SocModel.Frames] = frames, [SocModel.InputIds] = ids };
    }
}
