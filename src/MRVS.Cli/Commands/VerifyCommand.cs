using System.CommandLine;
using System.Globalization;
using MRVS.Pipeline;
using MRVS.Pipeline.Verification;

namespace MRVS.Cli.Commands;

/// <summary><c>mrvs verify &lt;fixture-dir&gt; [--backend …]</c>: runs a golden fixture and compares every tensor by name.</summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("fixture-dir") { Description = "folder with config.json, weights/inputs/outputs/postprocess.safetensors" };
        var backend = BackendOptions.Backend();
        var cmd = new Command("verify", "Run a golden fixture and compare every reference tensor") { dir, backend };
        cmd.SetAction(r => CliErrors.Guard(() =>
        {
            using var be = BackendFactory.Create(r.GetValue(backend)!);
            var report = FixtureVerifier.Run(r.GetValue(dir)!, be);
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
        foreach (var x in report.Checks)
        {
            string shape = "[" + string.Join(", ", x.Shape) + "]";
            Console.WriteLine(string.Format(c, "{0}  {1,-22} {2,12:E3} {3,12:E3}  {4}{5}", x.Name.PadRight(nameWidth), shape,
                x.MaxAbsError, x.MaxRelError, x.Passed ? "pass" : "FAIL", x.Note is null ? "" : $" ({x.Note})"));
        }
        Console.WriteLine(string.Format(c, "fixture {0}, backend {1}, arena {2:F1} MiB, {3:F0} ms", report.Fixture, report.Backend,
            report.ArenaBytes / 1048576.0, report.Milliseconds));
        Console.WriteLine(report.Summary);
    }
}
