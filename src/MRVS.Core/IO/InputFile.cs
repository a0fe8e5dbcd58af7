using System.Runtime.InteropServices;
using MRVS.Core.Errors;
using MRVS.Core.Limits;

namespace MRVS.Core.IO;

/// <summary>What a path names, as the file system says (symbolic links followed).</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,

    /// <summary>The platform gives no file type (not Linux): treated as a regular file.</summary>
    Unknown,
}

/// <summary>
/// Checks on files before they are opened. Opening a FIFO for reading blocks until a writer appears, and a device can
/// stream forever, so every input (video, image, checkpoint, model file, tokenizer) must be a regular file first.
/// </summary>
public static unsafe partial class InputFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28, StatxSize = 256;
    private static bool s_statxMissing;

    /// <summary>
    /// The kind of file at <paramref name="path"/>; <see cref="FileKind.Unknown"/> where the OS does not say.
    /// </summary>
    public static FileKind KindOf(string path)
    {
        if (OperatingSystem.IsLinux() && !s_statxMissing)
        {
            try
            {
                // statx (glibc ≥ 2.28) has one struct layout on every architecture, unlike stat.
                byte* buffer = stackalloc byte[StatxSize];
                if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return FileKind.Missing;
                return (*(ushort*)(buffer + StatxModeOffset) & 0xF000) switch
                {
                    0x8000 => FileKind.Regular,
                    0x4000 => FileKind.Directory,
                    0x1000 => FileKind.Fifo,
                    0x2000 => FileKind.CharacterDevice,
                    0x6000 => FileKind.BlockDevice,
                    0xC000 => FileKind.Socket,
                    _ => FileKind.Unknown,
                };
            }
            catch (EntryPointNotFoundException) { s_statxMissing = true; }
            catch (DllNotFoundException) { s_statxMissing = true; }
        }
        return File.Exists(path) ? FileKind.Unknown : Directory.Exists(path) ? FileKind.Directory : FileKind.Missing;
    }

    /// <summary>
    /// Throws unless <paramref name="path"/> is a regular file (or a link to one); <paramref name="what"/> names it.
    /// </summary>
    public static void RequireRegular(string path, string what, MrvsErrorKind kind = MrvsErrorKind.BadInput)
    {
        var problem = KindOf(path) switch
        {
            FileKind.Regular or FileKind.Unknown => null,
            FileKind.Missing => "does not exist",
            FileKind.Directory => "is a folder, not a file",
            FileKind.Fifo => "is a FIFO (named pipe), not a regular file; save the stream to a file first",
            FileKind.CharacterDevice or FileKind.BlockDevice => "is a device, not a regular file",
            FileKind.Socket => "is a socket, not a regular file",
            _ => "is not a regular file",
        };
        if (problem is not null) throw new MrvsException(kind, $"{what} '{path}' {problem}");
    }

    /// <summary>
    /// The bytes of a regular file of at most <paramref name="limit"/> bytes (a config, vocab or merges file).
    /// </summary>
    public static byte[] ReadAllBytes(string path, string what, MrvsErrorKind kind, long limit,
        string limitName = nameof(ResourceLimits.MaxTextFileBytes))
    {
        RequireRegular(path, what, kind);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            ResourceLimits.CheckFileSize(file.Length, limit, limitName, $"{what} '{path}'");
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MrvsException(kind, $"{what} '{path}': cannot read it ({e.Message})", e);
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
