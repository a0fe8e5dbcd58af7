using System.CommandLine;
using MRVS.Cli.Commands;

namespace MRVS.Cli;

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
        return root.Parse(args).Invoke();
    }
}
