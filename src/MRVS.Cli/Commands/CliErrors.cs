namespace MRVS.Cli.Commands;

/// <summary>Turns expected failures (bad files, bad arguments, missing hardware) into one line on stderr and exit code 2.</summary>
public static class CliErrors
{
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"mrvs: {e.Message}");
            return 2;
        }
    }
}
