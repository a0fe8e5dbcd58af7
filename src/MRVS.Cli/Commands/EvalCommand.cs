using System.CommandLine;
using System.Globalization;
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
        var shard = new Option<(int Index, int Count)>("--shard")
        {
            Description = "i/n: run only slice i (0-based) of n; merge the n folders with --merge",
            DefaultValueFactory = _ => (0, 1),
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                var parts = text.Split('/');
                if (parts.Length == 2
                    && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
                    && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                    && i < n)
                    return (i, n);
                r.AddError($"--shard '{text}' is not i/n with 0 ≤ i < n (e.g. 0/4)");
                return default;
            },
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
        var backend = BackendOptions.Backend();
        var precision = BackendOptions.Precision();
        var threads = BackendOptions.Threads();
        var quiet = CliValues.Quiet();
        var json = CliValues.Json();
        var cmd = new Command("eval",
            "Run a benchmark split as the official scripts do: submission files and the official figures")
        {
            dataset, root, model, output, split, shard, resume, merge, backend, precision, threads, quiet, json,
        };
        // A run needs its dataset and model; a merge only run folders. Checked with the parse, as usage errors.
        cmd.Validators.Add(r =>
        {
            if (r.GetValue(merge) is { Length: > 0 }) return;
            foreach (var required in new[] { dataset, root, model })
                if (r.GetValue(required) is null)
                    r.AddError($"{required.Name} is required to run an evaluation (or --merge RUN... to join shards)");
        });
        cmd.SetAction(r => CliErrors.Guard(() => SignalCancellation.Run(cancel =>
        {
            EvalSummary summary;
            if (r.GetValue(merge) is { Length: > 0 } runs) summary = EvalRunner.Merge(runs, r.GetValue(output)!);
            else
            {
                var (i, n) = r.GetValue(shard);
                var options = new EvalOptions(r.GetValue(dataset)!, r.GetValue(root)!, r.GetValue(model)!,
                    r.GetValue(output)!)
                {
                    Split = r.GetValue(split),
                    ShardIndex = i,
                    ShardCount = n,
                    Resume = r.GetValue(resume),
                    Backend = r.GetValue(backend),
                    Precision = r.GetValue(precision),
                    Threads = r.GetValue(threads),
                };
                using var progress = new EvalConsoleProgress(r.GetValue(quiet));
                summary = EvalRunner.Run(options, progress, cancel);
            }
            if (r.GetValue(json)) JsonOutput.Object(j =>
            {
                j.WriteString("output", summary.OutputDirectory);
                j.WriteNumber("videos", summary.Videos);
                j.WriteNumber("expressions", summary.Expressions);
                j.WriteNumber("frames", summary.Frames);
                j.WriteBoolean("merged", summary.Merged);
                if (summary.Figures is { } figures) j.WriteString("figures", figures);
                else j.WriteNull("figures");
            });
            else if (!r.GetValue(quiet)) Print(summary);
            return 0;
        }, "finished videos are kept, continue with --resume")));
        return cmd;
    }

    private const string NoFigures = "none (no ground truth: submit the files to the evaluation server)";

    private static void Print(EvalSummary summary)
    {
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} videos, {1} expressions, {2} frames",
            summary.Videos, summary.Expressions, summary.Frames));
        Console.WriteLine(summary.Merged
            ? $"figures: {summary.Figures ?? NoFigures}"
            : "shard done; when every shard is, run: mrvs eval --merge <run folders> --out <folder>");
        Console.WriteLine($"wrote {summary.OutputDirectory}");
    }

    /// <summary>
    /// Progress on a terminal's stderr, one line redrawn per video and erased at the end (nothing in logs and pipes,
    /// where an error is then the only line, as for <c>mrvs segment</c>).
    /// </summary>
    private sealed class EvalConsoleProgress(bool quiet) : IProgress<EvalProgress>, IDisposable
    {
        private readonly bool _enabled = !quiet && !Console.IsErrorRedirected;
        private bool _drawn;

        public void Report(EvalProgress p)
        {
            if (!_enabled) return;
            var c = CultureInfo.InvariantCulture;
            var eta = p.Remaining is { } left ? left.ToString(@"hh\:mm\:ss", c) : "-";
            Console.Error.Write(string.Format(c,
                "\rvideos {0}/{1}, expressions {2}, frames {3}, elapsed {4}, ETA {5}\x1b[K",
                p.VideosDone, p.VideosTotal, p.Expressions, p.Frames, p.Elapsed.ToString(@"hh\:mm\:ss", c), eta));
            _drawn = true;
        }

        public void Dispose()
        {
            if (_drawn) Console.Error.Write("\r\x1b[K");
        }
    }
}
