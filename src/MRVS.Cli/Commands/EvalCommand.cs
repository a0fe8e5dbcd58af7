using System.CommandLine;
using System.Globalization;
using MRVS.Core.Execution;
using MRVS.Pipeline.Evaluation;
using MRVS.Pipeline.Evaluation.Protocols;

namespace MRVS.Cli.Commands;

/// <summary><c>mrvs eval</c>: a benchmark split as its official script runs it; <c>--merge</c> joins shards.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var dataset = new Option<string?>("--dataset")
        {
            Description = "ref-youtube-vos, ref-davis17, mevis, a2d-sentences or jhmdb-sentences",
        };
        dataset.AcceptOnlyFromAmong(EvalProtocol.Names);
        var root = new Option<string?>("--root")
        {
            Description = "the dataset's folder, in its official layout (README: Reproducing the papers)",
        };
        var model = new Option<string?>("--model") { Description = "model folder (mrvs convert)" };
        var output = new Option<string>("--out")
        {
            Description = "output folder: videos/ (per-video results), then the submission, figures and result.json",
            Required = true,
        };
        var split = new Option<string?>("--split") { Description = "split (default: valid; test for A2D / JHMDB)" };
        var shard = new Option<string>("--shard")
        {
            Description = "i/n: run only slice i (0-based) of n; merge the n folders with --merge",
            DefaultValueFactory = _ => "0/1",
        };
        var resume = new Option<bool>("--resume")
        {
            Description = "continue a killed run in --out, skipping its finished videos",
        };
        var merge = new Option<string[]>("--merge")
        {
            Description = "run folders (shards) to merge into --out",
            AllowMultipleArgumentsPerToken = true,
        };
        var backend = BackendOptions.Backend("auto");
        var precision = BackendOptions.Precision();
        var cmd = new Command("eval",
            "Run a benchmark split as the official scripts do: submission files and the official figures")
        {
            dataset, root, model, output, split, shard, resume, merge, backend, precision,
        };
        cmd.SetAction(r => CliErrors.Guard(() => CtrlC.Run(cancel =>
        {
            EvalSummary summary;
            if (r.GetValue(merge) is { Length: > 0 } runs) summary = EvalRunner.Merge(runs, r.GetValue(output)!);
            else
            {
                var parts = r.GetValue(shard)!.Split('/');
                if (parts.Length != 2 || !int.TryParse(parts[0], out int i) || !int.TryParse(parts[1], out int n))
                    throw new ArgumentException($"--shard '{r.GetValue(shard)}': expected i/n, e.g. 0/4");
                var options = new EvalOptions(
                    r.GetValue(dataset) ?? throw new ArgumentException("--dataset is required (or --merge)"),
                    r.GetValue(root) ?? throw new ArgumentException("--root is required"),
                    r.GetValue(model) ?? throw new ArgumentException("--model is required"),
                    r.GetValue(output)!)
                {
                    Split = r.GetValue(split), ShardIndex = i, ShardCount = n, Resume = r.GetValue(resume),
                    Backend = r.GetValue(backend)!, Precision = PrecisionNames.Parse(r.GetValue(precision)!),
                };
                var progress = new EvalConsoleProgress();
                summary = EvalRunner.Run(options, progress, cancel);
                progress.Finish();
            }
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} videos, {1} expressions, {2} frames",
                summary.Videos, summary.Expressions, summary.Frames));
            Console.WriteLine(summary.Merged
                ? $"figures: {summary.Figures ?? NoFigures}"
                : $"shard done; when every shard is, run: mrvs eval --merge <run folders> --out <folder>");
            Console.WriteLine($"wrote {summary.OutputDirectory}");
            return 0;
        }, "finished videos are kept, continue with --resume")));
        return cmd;
    }

    private const string NoFigures = "none (no ground truth: submit the files to the evaluation server)";

    /// <summary>Progress on stderr: redrawn on a terminal, a line per video when redirected.</summary>
    private sealed class EvalConsoleProgress : IProgress<EvalProgress>
    {
        private readonly bool _terminal = !Console.IsErrorRedirected;

        public void Report(EvalProgress p)
        {
            var c = CultureInfo.InvariantCulture;
            var eta = p.Remaining is { } left ? left.ToString(@"hh\:mm\:ss", c) : "-";
            var line = string.Format(c, "videos {0}/{1}, expressions {2}, frames {3}, elapsed {4}, ETA {5}",
                p.VideosDone, p.VideosTotal, p.Expressions, p.Frames, p.Elapsed.ToString(@"hh\:mm\:ss", c), eta);
            if (_terminal) Console.Error.Write($"\r{line}  ");
            else Console.Error.WriteLine(line);
        }

        public void Finish()
        {
            if (_terminal) Console.Error.WriteLine();
        }
    }
}
