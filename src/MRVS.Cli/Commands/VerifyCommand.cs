using System.CommandLine;
using System.Globalization;
using MRVS.Core.Execution;
using MRVS.Pipeline;
using MRVS.Pipeline.Verification;

namespace MRVS.Cli.Commands;

/// <summary>
/// <c>mrvs verify &lt;fixture-dir&gt; [--backend …] [--precision …] [--final-only]</c>: runs a golden fixture and
/// compares every tensor by name (with <c>--final-only</c> only the outputs and post-processing, the forward fused as
/// in production); with fp16 / bf16 GEMMs the verdict is the final masks' IoU and the per-tensor rows are for
/// information.
/// </summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("fixture-dir")
        {
            Description =
            "folder with config.json, weights/inputs/outputs/postprocess.safetensors"
        };
        var backend = BackendOptions.Backend();
        var precision = BackendOptions.Precision();
        var threads = BackendOptions.Threads();
        var finalOnly = new Option<bool>("--final-only")
        {
            Description = "request only the model outputs, so the graph fusion pass fuses the forward as in "
                + "production, and compare those",
        };
        var fmad = BackendOptions.Fmad();
        var cmd = new Command("verify", "Run a golden fixture and compare every reference tensor")
        {
            dir, backend, precision, threads, fmad, finalOnly,
        };
        cmd.SetAction(r => CliErrors.Guard(() =>
        {
            using var be = BackendFactory.Create(r.GetValue(backend), r.GetValue(precision), r.GetValue(threads),
                r.GetValue(fmad));
            var report = FixtureVerifier.Run(r.GetValue(dir)!, be, r.GetValue(finalOnly));
            Print(report);
            return report.Passed ? 0 : 1;
        }));
        return cmd;
    }

    private static void Print(VerificationReport report)
    {
        var c = CultureInfo.InvariantCulture;
        int nameWidth = Math.Max(4, report.Checks.Max(x => x.Name.Length));
        Console.WriteLine($"{"name".PadRight(nameWidth)}  {"shape",-22} {"max abs err",12} {"max rel err",12}  result");
        // In fp16 / bf16 a tensor outside the fp32 tolerances is expected, not a failure.
        var (within, outside) = report.MaskIou is null ? ("pass", "FAIL") : ("fp32-tol", "beyond");
        foreach (var x in report.Checks)
        {
            string shape = "[" + string.Join(", ", x.Shape) + "]";
            Console.WriteLine(string.Format(c, "{0}  {1,-22} {2,12:E3} {3,12:E3}  {4}{5}", x.Name.PadRight(nameWidth),
                shape,
                x.MaxAbsError, x.MaxRelError, x.Passed ? within : outside, x.Note is null ? "" : $" ({x.Note})"));
        }
        Console.WriteLine(string.Format(c, "fixture {0}, backend {1}, precision {2}, arena {3:F1} MiB, {4:F0} ms",
            report.Fixture, report.Backend,
            report.Precision.Name(), report.ArenaBytes / 1048576.0, report.Milliseconds));
        Console.WriteLine(report.Summary);
    }
}
