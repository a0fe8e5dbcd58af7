using System.Runtime.InteropServices;

namespace MRVS.Cli.Commands;

/// <summary>
/// Ctrl-C (SIGINT), SIGTERM and SIGHUP cancel the run instead of killing the process, so it stops at the next clip and
/// deletes its staging folder like any failure; the exit code is then 128 + the signal's number. A second signal
/// terminates the process without waiting.
/// </summary>
public sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    public SignalCancellation()
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

    public CancellationToken Token => _cancel.Token;

    /// <summary>128 + the number of the signal that cancelled the run.</summary>
    public int ExitCode { get; private set; } = 130;

    public PosixSignal? Signal { get; private set; }

    /// <summary>
    /// Runs <paramref name="body"/>; on cancellation says so on stderr and returns <see cref="ExitCode"/>.
    /// </summary>
    public int Run(Func<CancellationToken, int> body)
    {
        try { return body(Token); }
        catch (OperationCanceledException) when (Token.IsCancellationRequested)
        {
            Console.Error.WriteLine($"mrvs: cancelled ({Signal?.ToString() ?? "SIGINT"}); no output was written");
            return ExitCode;
        }
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cancel.Dispose();
    }
}
