using System.Globalization;
using MRVS.Pipeline.Segmentation;

namespace MRVS.Cli.Commands;

/// <summary>Progress on stderr: a redrawn bar on a terminal, one plain line per clip when redirected (logs, CI).</summary>
public sealed class ConsoleProgress : IProgress<SegmentationProgress>
{
    private const int BarWidth = 30;
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private bool _drawn;

    public void Report(SegmentationProgress p)
    {
        var c = CultureInfo.InvariantCulture;
        string count = p.FramesTotal is { } total ? string.Format(c, "{0}/{1}", p.FramesDone, total) : p.FramesDone.ToString(c);
        if (_terminal)
        {
            string bar = p.FramesTotal is { } n && n > 0
                ? "[" + new string('#', BarWidth * p.FramesDone / n).PadRight(BarWidth, '.') + "] "
                : "";
            Console.Error.Write($"\rsegmenting {bar}{count} frames, clip {p.Clips}  ");
            _drawn = true;
        }
        else if (p.ClipDone)
            Console.Error.WriteLine($"segmenting: clip {p.Clips} done, {count} frames");
    }

    /// <summary>Ends the bar's line so what follows starts on a fresh one.</summary>
    public void Finish()
    {
        if (_drawn) Console.Error.WriteLine();
    }
}
