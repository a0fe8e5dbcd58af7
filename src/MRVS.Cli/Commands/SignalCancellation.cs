using System.Runtime.InteropServices;

namespace MRVS.Cli.Commands;

/// <summary>
/// Ctrl-C (SIGINT), SIGTERM and SIGHUP cancel a long job instead of killing the process, so it stops between units of
/// work and leaves its output consistent (a staging folder deleted, finished videos kept); the exit code is then
/// 128 + the signal's number. A second signal terminates the process without waiting.
/// </summary>
public sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    private SignalCancellation()
    {
        foreach (var (signal, code) in new[] { (PosixSignal.SIGINT, 130), (PosixSignal.SIGTERM, 143),
            (PosixSignal.SIGHUP, 129) })
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, c =>
                {
                    // A second signal while the run winds down ends the process at once (the next run cleans up).
                    if (_cancel.IsCancellationRequested) return;
                    c.Cancel = true;
                    ExitCode = code;
                    Signal = signal;
                    _cancel.Cancel();
                }));
            }
            catch (PlatformNotSupportedException) { } // SIGHUP has no equivalent on Windows
        }
    }

    /// <summary>128 + the number of the signal that cancelled the run.</summary>
    private int ExitCode { get; set; } = 130;

    private PosixSignal? Signal { get; set; }

    /// <summary>
    /// Runs <paramref name="job"/> with a token the signals cancel; on cancellation prints one line on stderr and
    /// returns 128 + the signal's number.
    /// </summary>
    /// <param name="cancelled">What a cancelled job leaves behind, for that line ("no output was written").</param>
    public static int Run(Func<CancellationToken, int> job, string cancelled = "no output was written")
    {
        using var signals = new SignalCancellation();
        try { return job(signals._cancel.Token); }
        catch (OperationCanceledException) when (signals._cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"mrvs: cancelled ({signals.Signal?.ToString() ?? "SIGINT"}); {cancelled}");
            return signals.ExitCode;
        }
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cancel.Dispose();
    }
}
