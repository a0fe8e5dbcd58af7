using System.Diagnostics;
using MRVS.Cli;

namespace MRVS.Tests.Robustness;

/// <summary>
/// Runs the <c>mrvs</c> command line: in-process through <c>Program.Main</c> (what the binary runs) with the
/// console captured, or as a child process (for signals, crashes and files changed under a running process).
/// </summary>
public static class Mrvs
{
    public readonly record struct Result(int Code, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static readonly object Console_ = new();

    public static Result Run(params string[] args)
    {
        lock (Console_)
        {
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try { return new Result(Program.Main(args), stdout.ToString(), stderr.ToString()); }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    /// <summary>
    /// <see cref="Run"/> on another thread; null when it has not finished after <paramref name="timeout"/> (a hang).
    /// </summary>
    public static Result? RunWithin(TimeSpan timeout, params string[] args) => RunWithin(timeout, null, args);

    /// <summary>
    /// As <see cref="RunWithin(TimeSpan, string[])"/>; after a hang, <paramref name="unblock"/> is called until the run
    /// returns (a hung run holds the console and would hang every later one).
    /// </summary>
    public static Result? RunWithin(TimeSpan timeout, Action? unblock, params string[] args)
    {
        var task = Task.Factory.StartNew(() => Run(args), TaskCreationOptions.LongRunning);
        if (task.Wait(timeout)) return task.Result;
        for (int i = 0; i < 60 && unblock is not null
            && !task.IsCompleted; i++) Task.Run(unblock).Wait(TimeSpan.FromSeconds(1));
        return null;
    }

    /// <summary>
    /// Starts <c>dotnet mrvs.dll ARGS</c> from the test's output folder, with stdout and stderr redirected.
    /// </summary>
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mrvs.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>
    /// Waits for a child started by <see cref="Start"/>; fails the test when it runs past <paramref name="timeout"/>.
    /// </summary>
    public static Result Finish(Process p, TimeSpan timeout)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"mrvs did not finish within {timeout.TotalSeconds} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Sends a POSIX signal (TERM, HUP, …) with kill(1).</summary>
    public static void Signal(Process p, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, p.Id.ToString()])!;
        kill.WaitForExit();
    }

    /// <summary>
    /// The error contract: exit code 2 and exactly one line on stderr, "mrvs: …", that mentions each of
    /// <paramref name="mentions"/>, without control characters, .NET exception text or an unbounded length.
    /// </summary>
    public static string AssertFailure(Result r, params string[] mentions)
    {
        Assert.That(r.Code, Is.EqualTo(2), $"exit code; stderr: {r.Stderr}");
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), $"stderr: {r.Stderr}");
        var line = r.StderrLines[0];
        Assert.That(line, Does.StartWith("mrvs: "));
        Assert.That(line.Length, Is.LessThanOrEqualTo(2100), "a bounded line");
        Assert.That(line.TrimEnd('\r').Any(char.IsControl), Is.False, $"control characters in: {line}");
        foreach (var dotnet in new[] { "(Parameter '", "System.", "Exception", "Attempted to",
            "An item with the same key", "Arithmetic operation",
                     "Cannot transcode", "End Of Central Directory", "   at " })
            Assert.That(line, Does.Not.Contain(dotnet), ".NET text in the message");
        foreach (var m in mentions) Assert.That(line, Does.Contain(m).IgnoreCase);
        return line;
    }
}
