using System.Diagnostics;
using MRVS.Core.Errors;

namespace MRVS.Pipeline;

/// <summary>
/// An output folder published atomically: everything is written into a hidden staging folder beside it,
/// <c>.NAME.partial-PID</c>, which <see cref="Publish"/> renames into place; a failure or cancellation deletes it
/// (<see cref="Dispose"/>), so the output is either complete or absent. Replacing an existing folder moves the old one
/// aside (<c>.NAME.old-PID</c>), renames the new one in, then deletes the old. A process killed midway leaves those
/// hidden folders; the next run for the same output removes them, and restores an old folder whose replacement never
/// arrived.
/// </summary>
public sealed class OutputFolder : IDisposable
{
    private readonly bool _overwrite;
    private bool _published;

    private OutputFolder(string path, bool overwrite)
    {
        Path = path;
        _overwrite = overwrite;
        Staging = Beside(path, "partial", Environment.ProcessId);
    }

    /// <summary>The output folder (absolute, without a trailing separator).</summary>
    public string Path { get; }

    /// <summary>Where the output is written until it is published.</summary>
    public string Staging { get; }

    /// <summary>
    /// Checks where <paramref name="requested"/> points (a folder to create inside an existing one; an existing folder
    /// only when empty or with <paramref name="overwrite"/>), removes what killed runs left for it, and creates the
    /// staging folder.
    /// </summary>
    public static OutputFolder Begin(string requested, bool overwrite)
    {
        if (string.IsNullOrWhiteSpace(requested)) throw Bad("the output folder is empty; give a folder to create");
        string full;
        try { full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(requested)); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Bad($"output '{requested}' is not a usable path ({e.Message})");
        }
        var parent = System.IO.Path.GetDirectoryName(full);
        if (parent is null) throw Bad($"output '{requested}' is the root folder; give a folder to create inside it, " +
            $"e.g. '{full}results'");
        if (File.Exists(full)) throw Bad($"output '{full}' is a file; expected a folder to create");
        if (!Directory.Exists(parent)) throw Bad($"output '{full}': its parent folder does not exist");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !overwrite)
            throw Bad($"output folder '{full}' already exists and is not empty; choose another folder or pass " +
                "--overwrite");
        RemoveStale(full);
        var output = new OutputFolder(full, overwrite);
        try { Directory.CreateDirectory(output.Staging); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Io(e, $"cannot create the staging folder '{output.Staging}'");
        }
        return output;
    }

    /// <summary>Moves the finished staging folder into place; an existing output is replaced only now.</summary>
    public void Publish()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                if (!_overwrite && Directory.EnumerateFileSystemEntries(Path).Any())
                    throw Bad($"output folder '{Path}' appeared while this run wrote its result; the result is not " +
                        "moved over it");
                var old = Beside(Path, "old", Environment.ProcessId);
                Directory.Move(Path, old);
                Directory.Move(Staging, Path);
                _published = true;
                TryDelete(old);
            }
            else
            {
                Directory.Move(Staging, Path);
                _published = true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Io(e, $"cannot move the result into '{Path}'");
        }
    }

    /// <summary>Deletes the staging folder unless it was published.</summary>
    public void Dispose()
    {
        if (!_published) TryDelete(Staging);
    }

    /// <summary>
    /// Removes the staging and set-aside folders of <paramref name="output"/> left by processes that no longer run; an
    /// old output set aside by a run killed before its replacement arrived is moved back.
    /// </summary>
    public static void RemoveStale(string output)
    {
        var parent = System.IO.Path.GetDirectoryName(output)!;
        var prefix = $".{System.IO.Path.GetFileName(output)}.";
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateDirectories(parent, prefix + "*").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var dir in candidates)
        {
            var rest = System.IO.Path.GetFileName(dir)[prefix.Length..];
            var dash = rest.LastIndexOf('-');
            if (dash < 0 || !int.TryParse(rest.AsSpan(dash + 1), out int pid) || pid == Environment.ProcessId
                || IsRunning(pid)) continue;
            var kind = rest[..dash];
            if (kind == "old" && !Directory.Exists(output) && !File.Exists(output))
            {
                try { Directory.Move(dir, output); } catch (IOException) { }
            }
            else if (kind is "old" or "partial") TryDelete(dir);
        }
    }

    /// <summary>
    /// Writes a file whole or not at all: into <c>.NAME.partial-PID</c> beside it, then renamed over it.
    /// </summary>
    public static void WriteFile(string path, Action<Stream> write)
    {
        var partial = Beside(path, "partial", Environment.ProcessId);
        try
        {
            using (var file = File.Create(partial)) write(file);
            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    /// <summary>
    /// An I/O failure as an <see cref="MrvsException"/>: a full disk is a resource limit, anything else the output's
    /// fault.
    /// </summary>
    public static MrvsException Io(Exception e, string what)
    {
        bool full = e is IOException && (e.HResult is 28 or 112 or unchecked((int)0x80070070)
            || e.Message.Contains("No space left", StringComparison.Ordinal));
        var kind = full ? MrvsErrorKind.ResourceLimit : MrvsErrorKind.BadInput;
        return new MrvsException(kind, $"{what}: {e.Message}", e);
    }

    private static string Beside(string path, string kind, int pid) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!,
            $".{System.IO.Path.GetFileName(path)}.{kind}-{pid}");

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException
                                      or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static MrvsException Bad(string message) => new(MrvsErrorKind.BadInput, message);
}
