using System.Globalization;
using MRVS.Pipeline.Segmentation;

namespace MRVS.Cli.Commands;

/// <summary>
/// Progress on a terminal's stderr: one line redrawn as each stage of each clip starts and once a second, with the
/// frames written, the stage, the time so far and the time left. Nothing is drawn when stderr is not a terminal
/// (logs, pipes) or with --quiet, so there an error is the only line on stderr; on a terminal the line is erased
/// before anything else is printed.
/// </summary>
public sealed class ConsoleProgress : IProgress<SegmentationProgress>, IDisposable
{
    private const int BarWidth = 24;
    private readonly object _lock = new();
    private readonly Timer? _ticker;
    private SegmentationProgress? _last;
    private DateTime _lastAt;
    private bool _drawn;

    public ConsoleProgress(bool quiet)
    {
        Enabled = !quiet && !Console.IsErrorRedirected;
        if (Enabled) _ticker = new Timer(_ => Redraw(), null, 1000, 1000);
    }

    public bool Enabled { get; }

    public void Report(SegmentationProgress p)
    {
        if (!Enabled) return;
        lock (_lock)
        {
            (_last, _lastAt) = (p, DateTime.UtcNow);
            Draw(p, TimeSpan.Zero);
        }
    }

    /// <summary>Moves the clocks on while a long stage (a forward) runs.</summary>
    private void Redraw()
    {
        lock (_lock)
            if (_last is { } p) Draw(p, DateTime.UtcNow - _lastAt);
    }

    private void Draw(SegmentationProgress p, TimeSpan since)
    {
        var c = CultureInfo.InvariantCulture;
        string count = p.FramesTotal is { } total ? string.Format(c, "{0}/{1}", p.FramesDone, total)
            : p.FramesDone.ToString(c);
        string bar = p.FramesTotal is { } n && n > 0
            ? "[" + new string('#', BarWidth * Math.Min(p.FramesDone, n) / n).PadRight(BarWidth, '.') + "] "
            : "";
        string eta = p.Remaining is { } left ? Clock(left - since < TimeSpan.Zero ? TimeSpan.Zero : left - since)
            : "--:--";
        Console.Error.Write($"\r{bar}{count} frames, clip {p.Clip}: {p.Stage,-11} " +
            $"{Clock(p.Elapsed + since)} elapsed, ETA {eta}\x1b[K");
        _drawn = true;
    }

    private static string Clock(TimeSpan t) =>
        t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);

    /// <summary>Stops the clock and erases the line, so what follows (the summary, an error) starts clean.</summary>
    public void Dispose()
    {
        _ticker?.Dispose();
        lock (_lock)
        {
            _last = null;
            if (_drawn) Console.Error.Write("\r\x1b[K");
            _drawn = false;
        }
    }
}
