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

/// <summary><c>mrvs bench</c>: end-to-end forward latency and peak memory for a model config at a given input size.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var variant = new Option<string?>("--variant") { Description = "a released setting, e.g. socpp-mevis-swin-t" };
        var config = new Option<string?>("--config") { Description = "a model config.json (e.g. a fixture's)" };
        var weights = new Option<string?>("--weights") { Description = "weights.safetensors; random weights when omitted" };
        var frames = CliValues.Int("--frames", "frames per forward", 8, 1, 100_000);
        var size = new Option<string>("--size") { Description = "frame size HxW, each side 1 to 8192",
            DefaultValueFactory = _ => "360x640" };
        var tokens = CliValues.Int("--tokens", "sentence length in tokens, <s> and </s> included", 20, 2, 8192);
        var runs = CliValues.Int("--runs", "timed runs", 3, 1, 10_000);
        var warmup = CliValues.Int("--warmup", "untimed runs first", 1, 0, 10_000);
        var backend = BackendOptions.Backend();
        var precision = BackendOptions.Precision();
        var threads = BackendOptions.Threads();
        var cmd = new Command("bench", "Time whole forwards (random inputs) and report the per-op breakdown and peak memory")
        {
            variant, config, weights, frames, size, tokens, runs, warmup, backend, precision, threads,
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
            var (be, resolved) = BackendFactory.CreateResolved(r.GetValue(backend), r.GetValue(precision),
                r.GetValue(threads));
            using (be)
                Print(cfg.Variant, be.Precision,
                    ForwardBenchmark.Run(cfg, store, shape, be, r.GetValue(warmup), r.GetValue(runs),
                    ResourceLimits.Default.ArenaLimit(resolved.RunsOnHost())));
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

    private static void Print(string model, Precision precision, ForwardBenchmarkResult r)
    {
        var c = CultureInfo.InvariantCulture;
        var sorted = r.RunMs.Order().ToList();
        Console.WriteLine(string.Format(c, "model {0}, backend {1} ({2}), {3} frames {4}x{5}, {6} tokens", model, r.Backend, precision.Name(), r.Shape.Frames, r.Shape.Height, r.Shape.Width, r.Shape.TextLength));
        Console.WriteLine(string.Format(c, "graph build + plan + upload: {0:F0} ms", r.BuildMs));
        Console.WriteLine(string.Format(c, "forward: median {0:F1} ms, min {1:F1} ms, max {2:F1} ms over {3} runs", sorted[sorted.Count / 2], sorted[0], sorted[^1], sorted.Count));
        Console.WriteLine(string.Format(c, "arena (peak intermediates): {0:F1} MiB; process peak working set: {1:F1} MiB", r.ArenaBytes / 1048576.0, r.PeakWorkingSetBytes / 1048576.0));
        double total = r.ByOp.Sum(x => x.Ms);
        Console.WriteLine("per op kind (one run timed node by node, with device events where the backend has them):");
        foreach (var (op, ms, nodes) in r.ByOp)
            Console.WriteLine(string.Format(c, "  {0,-22} {1,10:F1} ms {2,6:F1} %  ({3} nodes)", op, ms, 100 * ms / total, nodes));
    }
}
