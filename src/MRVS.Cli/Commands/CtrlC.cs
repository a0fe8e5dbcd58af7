namespace MRVS.Cli.Commands;

/// <summary>
/// Ctrl+C for long jobs: the first press cancels the job's token instead of killing the process, so the job can stop
/// between units of work and leave its output consistent; the job then ends with exit code 130.
/// </summary>
public static class CtrlC
{
    /// <param name="cancelled">The line printed on stderr when the job was cancelled (what was kept, how to go on).</param>
    public static int Run(Func<CancellationToken, int> job, string cancelled)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return job(cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"mrvs: cancelled; {cancelled}");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
