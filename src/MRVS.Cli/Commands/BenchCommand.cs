using System.CommandLine;
using System.Globalization;
using MRVS.Core.Errors;
using MRVS.Core.Execution;
using MRVS.Core.IO;
using MRVS.Core.Limits;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Text;
using MRVS.Pipeline;
using MRVS.Pipeline.Benchmarking;

namespace MRVS.Cli.Commands;

/// <summary>
/// <c>mrvs bench</c>: end-to-end forward latency and peak memory for a model config at a given input size; with
/// <c>--counters</c> (cuda-emu) one instrumented forward's memory traffic instead, and with <c>--model</c> a roofline
/// model of it.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var variant = new Option<string?>("--variant") { Description = "a released setting, e.g. socpp-mevis-swin-t" };
        var config = new Option<string?>("--config") { Description = "a model config.json (e.g. a fixture's)" };
        var weights = new Option<string?>("--weights")
        {
            Description =
            "weights.safetensors; random weights when omitted"
        };
        var frames = CliValues.Int("--frames", "frames per forward", 8, 1, 100_000);
        var size = new Option<string>("--size")
        {
            Description = "frame size HxW, each side 1 to 8192",
            DefaultValueFactory = _ => "360x640"
        };
        var tokens = CliValues.Int("--tokens", "sentence length in tokens, <s> and </s> included", 20, 2, 8192);
        var runs = CliValues.Int("--runs", "timed runs", 3, 1, 10_000);
        var warmup = CliValues.Int("--warmup", "untimed runs first", 1, 0, 10_000);
        var backend = BackendOptions.Backend();
        var precision = BackendOptions.Precision();
        var threads = BackendOptions.Threads();
        var fmad = BackendOptions.Fmad();
        var graphs = new Option<bool>("--graphs")
        {
            Description = "cuda backends: replay the runs after the first from a captured CUDA graph "
                + "(false: launch every kernel every run)",
            DefaultValueFactory = _ => true,
        };
        var counters = new Option<bool>("--counters")
        {
            Description = "cuda-emu: one forward on the instrumented kernels; prints launches, memory traffic per "
                + "kernel and op, compulsory bytes and FLOPs (no timing)",
        };
        var countAt = new Option<string?>("--count-at")
        {
            Description = "with --counters: count at two smaller frame counts, e.g. 1,2, and extrapolate each node to "
                + "--frames (the instrumented emulation is slow); a route chosen by size (a few-row Linear, a key "
                + "split) may differ at --frames: a warning names a kernel run at one count only",
        };
        var model = new Option<string[]>("--model")
        {
            Description = "with --counters: a roofline model of the forward on these GPUs (a model, not a measurement)",
            AllowMultipleArgumentsPerToken = true,
        };
        model.AcceptOnlyFromAmong([.. GpuPeaks.Known.Keys]);
        var cmd = new Command("bench",
            "Time whole forwards (random inputs) and report the per-op breakdown, efficiency and peak memory")
        {
            variant, config, weights, frames, size, tokens, runs, warmup, backend, precision, threads, fmad, graphs,
            counters, countAt, model,
        };
        cmd.SetAction(r => CliErrors.Guard(() =>
        {
            var cfg = ModelLoading.ResolveConfig(r.GetValue(variant), r.GetValue(config));
            var (h, w) = ParseSize(r.GetValue(size)!);
            if (r.GetValue(tokens) > RobertaEncoder.MaxTokens(cfg.Roberta))
                throw new MrvsException(MrvsErrorKind.BadInput,
                    $"--tokens {r.GetValue(tokens)}: model '{cfg.Variant}' takes at most " +
                        $"{RobertaEncoder.MaxTokens(cfg.Roberta)}");
            var shape = new ForwardShape(r.GetValue(frames), h, w, r.GetValue(tokens), h, w);
            using var file = r.GetValue(weights) is { } path ? SafeTensorsFile.Open(path) : null;
            var store = file is null ? WeightStore.Synthetic(seed: 1, cfg.Swin.WindowSize) : new WeightStore(file);
            bool counting = r.GetValue(counters);
            var gpus = r.GetValue(model) ?? [];
            if (!counting && (gpus.Length > 0 || r.GetValue(countAt) is not null))
                throw new MrvsException(MrvsErrorKind.BadInput,
                    "--model and --count-at need --counters (with --backend cuda-emu)");
            var (created, resolved) = BackendFactory.CreateResolved(r.GetValue(backend), r.GetValue(precision),
                r.GetValue(threads), r.GetValue(fmad), counting, r.GetValue(graphs));
            using var be = created;
            if (!counting)
            {
                Print(cfg.Variant, be, ForwardBenchmark.Run(cfg, store, shape, be, r.GetValue(warmup), r.GetValue(runs),
                    ResourceLimits.Default.ArenaLimit(resolved.RunsOnHost())));
                return 0;
            }
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "model {0}, backend {1} instrumented ({2}), {3} frames {4}x{5}, {6} tokens",
                cfg.Variant, be.Name, be.Precision.Name(), shape.Frames, h, w, shape.TextLength));
            ForwardCounters counted;
            if (r.GetValue(countAt) is { } at)
            {
                var (a, b) = ParseCountAt(at, shape.Frames);
                // The target's graph first: a shape it rejects fails before the slow counts.
                var target = ForwardCounters.Plan(cfg, store, shape);
                var atA = ForwardCounters.Count(cfg, store, shape with { Frames = a }, be);
                var atB = ForwardCounters.Count(cfg, store, shape with { Frames = b }, be);
                counted = ForwardCounters.Extrapolate(atA, atB, shape, target);
            }
            else counted = ForwardCounters.Count(cfg, store, shape, be);
            CountersReport.PrintCounters(counted);
            foreach (var gpu in gpus)
            {
                var roofline = new RooflineModel(GpuPeaks.Known[gpu], new RooflineAssumptions(), be.Precision);
                CountersReport.PrintModel(roofline, counted);
            }
            return 0;
        }));
        return cmd;
    }

    private static (int, int) ParseSize(string s)
    {
        var parts = s.Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out var h) && int.TryParse(parts[1], out var w)
            && h is > 0 and <= 8192 && w is > 0 and <= 8192)
            return (h, w);
        throw new MrvsException(MrvsErrorKind.BadInput,
            $"--size '{s}' is not HxW with sides from 1 to 8192 (e.g. 360x640)");
    }

    private static (int, int) ParseCountAt(string s, int frames)
    {
        var parts = s.Split(',');
        if (parts.Length == 2 && int.TryParse(parts[0], out var a) && int.TryParse(parts[1], out var b)
            && 0 < a && a < b && b <= frames) return (a, b);
        throw new MrvsException(MrvsErrorKind.BadInput,
            $"--count-at '{s}' is not two frame counts A,B with 0 < A < B ≤ --frames {frames} (e.g. 1,2)");
    }

    private static void Print(string model, IBackend backend, ForwardBenchmarkResult r)
    {
        var c = CultureInfo.InvariantCulture;
        var precision = backend.Precision;
        var sorted = r.RunMs.Order().ToList();
        Console.WriteLine(string.Format(c, "model {0}, backend {1} ({2}), {3} frames {4}x{5}, {6} tokens", model,
            r.Backend, precision.Name(), r.Shape.Frames, r.Shape.Height, r.Shape.Width, r.Shape.TextLength));
        Console.WriteLine(string.Format(c, "graph build + plan + upload: {0:F0} ms", r.BuildMs));
        string replay = backend.CanCapture ? ", replayed from a CUDA graph"
            : backend.Name == "cpu" ? "" : ", eager launches";
        Console.WriteLine(string.Format(c, "forward: median {0:F1} ms, min {1:F1} ms, max {2:F1} ms over {3} runs{4}",
            r.MedianMs, sorted[0], sorted[^1], sorted.Count, replay));
        Console.WriteLine(string.Format(c,
            "efficiency: {0:F1} GFLOP/s = {1:F1} % of this machine's GEMM peak ({2:F1} GFLOP/s); {3:F1} GFLOP per " +
                "forward",
            r.Gflops, 100 * r.Efficiency, r.GemmPeakGflops, r.ForwardFlops / 1e9));
        // CPU time measures the work only where the backend computes on the host's cores (not behind a GPU).
        if (r.Backend is "cpu" or "cuda-emu")
        {
            var t = r.CpuTime;
            Console.WriteLine(string.Format(c,
                "cpu time: {0:F0} ms per forward ({1:F2}× its wall time); by CPU time {2:F1} % of the GEMM's "
                + "{3:F1} GFLOP per CPU-second (less load-sensitive; idle threads unseen)",
                t.MedianCpuMs, t.MedianCpuMs / r.MedianMs, 100 * t.Efficiency, t.PeakGflopsPerCpuSecond));
        }
        Console.WriteLine(string.Format(c,
            "arena (peak intermediates): {0:F1} MiB; process peak working set: {1:F1} MiB", r.ArenaBytes / 1048576.0,
                r.PeakWorkingSetBytes / 1048576.0));
        if (r.Rewrite.Folding is { } folding)
            Console.WriteLine(string.Format(c, "constant folding: {0} nodes computed once at build, {1} identities " +
                "dropped", folding.Folded, folding.Dropped));
        if (r.Rewrite.Fusion is { } fusion)
            Console.WriteLine(string.Format(c, "fusion: {0} nodes → {1} ({2})", fusion.NodesBefore, fusion.NodesAfter,
                string.Join(", ", fusion.Fired.Select(f => $"{f.Key} ×{f.Value}"))));
        double total = r.ByOp.Sum(x => x.Ms);
        Console.WriteLine("per op kind (one run timed node by node, with device events where the backend has them):");
        foreach (var o in r.ByOp)
            Console.WriteLine(string.Format(c,
                "  {0,-30} {1,10:F1} ms {2,6:F1} % {3,8:F1} GFLOP {4,7:F1} GFLOP/s  ({5} nodes)",
                o.Op, o.Ms, 100 * o.Ms / total, o.Flops / 1e9, o.Flops / (o.Ms * 1e6), o.Nodes));
    }
}
