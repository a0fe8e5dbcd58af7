using System.CommandLine;
using MRVS.Core.Errors;

namespace MRVS.Cli.Commands;

/// <summary>
/// The command line's error contract: every failure is one line on stderr starting with "mrvs: " and exit code 2
/// (usage errors add "see `mrvs CMD --help`"); a cancelled run says so and exits 128 + the signal; a failure that is a
/// bug of ours (an exception that is not an <see cref="MrvsException"/>) is also one line, with exit code 70.
/// </summary>
public static class CliErrors
{
    public const int Failure = 2, InternalError = 70;

    /// <summary>Set to 1 to have an internal error's stack trace printed after its line.</summary>
    public const string TraceVariable = "MRVS_TRACE";

    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (MrvsException e) { return Report(e.Message); }
        catch (OutOfMemoryException)
        {
            return Report("out of memory (the input or model is too large for this machine; try a shorter --clip)");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"mrvs: internal error ({e.GetType().Name}): {ErrorText.OneLine(e.Message)} " +
                $"(please report this; {TraceVariable}=1 prints the stack trace)");
            if (Environment.GetEnvironmentVariable(TraceVariable) is "1") Console.Error.WriteLine(e);
            return InternalError;
        }
    }

    /// <summary>The first parse errors on one line, and where the command's help is.</summary>
    public static int Usage(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent)
            names.Insert(0, r.Command.Name);
        // Errors about what was typed first, then what is missing; each without its closing period.
        var messages = parse.Errors.Select(e => e.Message.TrimEnd('.'))
            .OrderBy(m => m.Contains("required", StringComparison.OrdinalIgnoreCase)
                || m.StartsWith("Required", StringComparison.Ordinal))
            .Distinct().ToList();
        var shown = string.Join("; ", messages.Take(3))
            + (messages.Count > 3 ? $"; and {messages.Count - 3} more" : "");
        Console.Error.WriteLine($"mrvs: {ErrorText.OneLine(shown)} (see `mrvs " +
            $"{string.Join(' ', [.. names, "--help"])}`)");
        return Failure;
    }

    private static int Report(string message)
    {
        Console.Error.WriteLine($"mrvs: {message}");
        return Failure;
    }
}
