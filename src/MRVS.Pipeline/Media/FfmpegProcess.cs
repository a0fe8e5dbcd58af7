using System.ComponentModel;
using System.Diagnostics;

namespace MRVS.Pipeline.Media;

/// <summary>
/// An ffmpeg or ffprobe child process with binary stdin/stdout pipes. Its stderr is collected in the background
/// (so a chatty tool never blocks on a full pipe) and quoted in error messages; disposing kills it if still running.
/// </summary>
internal sealed class FfmpegProcess : IDisposable
{
    private const int StderrLinesKept = 20;
    private readonly Process _process;
    private readonly Queue<string> _stderr = new();

    private FfmpegProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            lock (_stderr)
            {
                _stderr.Enqueue(e.Data);
                if (_stderr.Count > StderrLinesKept) _stderr.Dequeue();
            }
        };
        _process.BeginErrorReadLine();
    }

    public Stream Stdout => _process.StandardOutput.BaseStream;
    public Stream Stdin => _process.StandardInput.BaseStream;

    /// <summary>The last lines the tool wrote to stderr (after it exited, all of them up to the limit).</summary>
    public string ErrorText
    {
        get
        {
            lock (_stderr) return _stderr.Count == 0 ? "(no message)" : string.Join(" | ", _stderr);
        }
    }

    /// <summary>
    /// Whether the tool wrote anything to stderr (at <c>-v error</c>, only errors); complete once it has exited.
    /// </summary>
    public bool ReportedErrors
    {
        get
        {
            lock (_stderr) return _stderr.Count > 0;
        }
    }

    /// <summary>The full path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? Find(string tool)
    {
        var name = OperatingSystem.IsWindows() ? tool + ".exe" : tool;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator,
            StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The full path of <paramref name="tool"/> on PATH, or a <see cref="MediaException"/> saying what needed
    /// it.</summary>
    public static string Locate(string tool, string purpose) =>
        Find(tool)
            ?? throw new MediaException($"{tool} was not found on PATH; it is needed to {purpose}. Install FFmpeg " +
                $"(e.g. apt-get install ffmpeg), or pass a folder of frames or a GIF instead");

    public static FfmpegProcess Start(string executable, IReadOnlyList<string> arguments, bool writesStdin)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = writesStdin,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        try
        {
            return new FfmpegProcess(Process.Start(info) ?? throw new MediaException($"could not start {executable}"));
        }
        catch (Win32Exception e)
        {
            throw new MediaException($"could not start {executable}: {e.Message}", e);
        }
    }

    /// <summary>Waits for the exit and for the rest of stderr; returns the exit code.</summary>
    public int WaitForExit()
    {
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException) { } // it exited in between
        _process.Dispose();
    }
}
