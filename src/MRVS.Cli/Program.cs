using System.CommandLine;
using MRVS.Cli.Commands;

namespace MRVS.Cli;

/// <summary>
/// The <c>mrvs</c> entry point. <see cref="Main"/> is the whole program: tests and the fuzz suite call it in-process
/// (with Console redirected), so what they check is what the binary does.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("mrvs: referring video segmentation (SOC, SOC++) on CPU and CUDA")
        {
            SegmentCommand.Create(),
            VerifyCommand.Create(),
            BenchCommand.Create(),
            KernelsCommand.Create(),
            ModelCommands.Convert(),
            ModelCommands.Info(),
            ScoreCommand.Create(),
            EvalCommand.Create(),
        };
        var parse = root.Parse(args);
        // Usage errors are one line and exit 2 like every other failure, not the whole help text.
        return parse.Errors.Count > 0 ? CliErrors.Usage(parse) : parse.Invoke();
    }
}
