using System.Diagnostics;
using MRVS.Core.Execution;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Pipeline.Benchmarking;

/// <summary>Timing of whole forwards (graph build excluded) and where the time goes, per op kind.</summary>
public sealed record ForwardBenchmarkResult(string Backend, ForwardShape Shape, long ArenaBytes, double BuildMs,
    IReadOnlyList<double> RunMs, IReadOnlyList<(string Op, double Ms, int Nodes)> ByOp, long PeakWorkingSetBytes);

/// <summary>
/// Runs the model end to end on random inputs with given weights (synthetic ones for shapes without a checkpoint):
/// warm-up runs, then timed runs; one extra run with per-node timing gives the per-op breakdown.
/// </summary>
public static class ForwardBenchmark
{
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
        var sw = Stopwatch.StartNew();
        var graph = SocModel.Build(config, weights, shape);
        using var executor = new Executor(graph, backend, [SocModel.PredMasks, SocModel.PredCls], maxArenaBytes);
        double buildMs = sw.Elapsed.TotalMilliseconds;
        var inputs = RandomInputs(shape, config);
        for (int i = 0; i < warmup; i++) Dispose(executor.Run(inputs).Outputs);
        var times = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            sw.Restart();
            Dispose(executor.Run(inputs).Outputs);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        var timed = executor.Run(inputs, timeNodes: true);
        Dispose(timed.Outputs);
        var byOp = timed.Timings.GroupBy(t => t.Op).Select(g => (g.Key, g.Sum(t => t.Milliseconds), g.Count()))
            .OrderByDescending(x => x.Item2).ToList();
        Dispose(inputs);
        return new ForwardBenchmarkResult(backend.Name, shape, executor.Plan.ArenaBytes, buildMs, times, byOp,
            Process.GetCurrentProcess().PeakWorkingSet64);
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
        var mask = Tensor.Zeros(DType.I64, 1, s.TextLength);
        mask.Span<long>().Fill(1);
        return new Dictionary<string, Tensor>
        {
            [SocModel.Frames] = frames,
            [SocModel.PixelMask] = Tensor.Zeros(DType.Bool, s.Frames, 1, s.Height, s.Width),
            [SocModel.InputIds] = ids,
            [SocModel.AttentionMask] = mask,
        };
    }
}
