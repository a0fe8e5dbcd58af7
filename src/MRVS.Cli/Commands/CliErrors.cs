namespace MRVS.Cli.Commands;

/// <summary>Turns expected failures (bad files, bad arguments, missing hardware) into one line on stderr and exit code 2.</summary>
public static class CliErrors
{
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // One line, so scripts and logs get the whole reason from the last line of stderr.
            Console.Error.WriteLine($"mrvs: {string.Join("; ", e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))}");
            return 2;
        }
    }
}
