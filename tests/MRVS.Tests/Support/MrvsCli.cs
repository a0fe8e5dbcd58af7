using MRVS.Cli;

namespace MRVS.Tests.Support;

/// <summary>
/// Runs the <c>mrvs</c> entry point in-process, capturing what it prints (tests using it are NonParallelizable).
/// </summary>
public static class MrvsCli
{
    public static (int Code, string Stdout, string Stderr) Mrvs(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try { return (Program.Main(args), stdout.ToString(), stderr.ToString()); }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}
