using System.Buffers.Binary;
using MRVS.Core.Errors;
using MRVS.Core.Limits;
using MRVS.Core.Tensors;

namespace MRVS.Core.IO.Torch;

/// <summary>
/// The legacy (non-zip) <c>torch.save</c> format, written by PyTorch before 1.6 and by
/// <c>_use_new_zipfile_serialization=False</c>: five pickles in a row (the magic number 0x1950a86a20f9469cfc6c, the
/// protocol version 1001, sys_info with the byte order, the saved object whose storages are persistent ids
/// <c>('storage', torch.&lt;Type&gt;Storage, key, location, numel, view_metadata)</c>, then the sorted list of storage
/// keys), followed by each storage in that order as a little-endian int64 element count and its raw bytes. Only the
/// pickles are read on open; each storage's place in the file is found from the counts, its bytes are read on demand.
/// </summary>
internal sealed class LegacyTorchFile
{
    private const int ProtocolVersion = 1001;

    /// <summary>The magic number as the 10 little-endian bytes of pickle's LONG1 opcode.</summary>
    private static ReadOnlySpan<byte> Magic => [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    private readonly Dictionary<string, (long Offset, long Bytes)> _storages;

    private LegacyTorchFile(object? root, Dictionary<string, (long, long)> storages)
    {
        Root = root;
        _storages = storages;
    }

    public object? Root { get; }

    /// <summary>Whether the file starts with a pickle of the legacy magic number.</summary>
    public static bool Recognize(ReadOnlySpan<byte> head)
    {
        int at = MagicStart(head);
        return at >= 0 && head.Length >= at + 12 && head.Slice(at + 2, 10).SequenceEqual(Magic);
    }

    /// <summary>Where LONG1 starts: after PROTO, and after FRAME for protocol 4 and later.</summary>
    private static int MagicStart(ReadOnlySpan<byte> head)
    {
        if (head.Length < 2 || head[0] != (byte)PickleOpcode.Proto) return -1;
        int at = 2;
        if (head.Length > at && head[at] == (byte)PickleOpcode.Frame) at += 9;
        return head.Length > at + 1 && head[at] == (byte)PickleOpcode.Long1 && head[at + 1] == 10 ? at : -1;
    }

    /// <summary>Reads the pickles (within the limits' pickle bytes and opcodes) and finds every storage.</summary>
    public static LegacyTorchFile Read(FileStream file, string path, ResourceLimits limits)
    {
        // The pickles are small next to the storages after them: read a growing prefix until they parse.
        long cap = Math.Min(file.Length, Math.Min(limits.MaxPickleBytes, Array.MaxLength));
        for (long size = Math.Min(cap, 1 << 20); ; size = Math.Min(cap, size * 4))
        {
            var head = new byte[size];
            file.Position = 0;
            file.ReadExactly(head);
            try { return Parse(file, path, head, limits.MaxPickleOpcodes); }
            catch (TorchFormatException) when (size < cap) { }
            catch (TorchFormatException) when (size < file.Length)
            {
                throw ResourceLimits.Exceeded($"{path}: the legacy checkpoint's pickles do not end within its first " +
                    $"{ErrorText.Bytes(size)}", nameof(ResourceLimits.MaxPickleBytes), ErrorText.Bytes(size));
            }
        }
    }

    private static LegacyTorchFile Parse(FileStream file, string path, byte[] head, int maxOpcodes)
    {
        var source = $"{path} (legacy torch.save format)";
        var resolver = new LegacyResolver(new TorchPickleResolver(source), source);
        int pos = MagicStart(head);
        if (pos < 0 || !head.AsSpan(pos + 2, 10).SequenceEqual(Magic) || head.Length <= pos + 12
            || head[pos + 12] != (byte)PickleOpcode.Stop)
            throw new TorchFormatException(
                $"{source}: the first pickle is not the magic number 0x1950a86a20f9469cfc6c (corrupt file?)");
        pos += 13;
        if (SafeUnpickler.Load(head, ref pos, source, resolver, maxOpcodes) is not long version
            || version != ProtocolVersion)
            throw new TorchFormatException($"{source}: the protocol version is not {ProtocolVersion}");
        var sysInfo =
            SafeUnpickler.Load(head, ref pos, source, resolver, maxOpcodes) as OrderedDictionary<object, object?>;
        if (sysInfo is null || !sysInfo.TryGetValue("little_endian", out var little) || little is not true)
            throw new TorchFormatException(
                $"{source}: sys_info does not say little_endian=True; only little-endian storages are supported");
        var root = SafeUnpickler.Load(head, ref pos, source, resolver, maxOpcodes);
        var keyList = SafeUnpickler.Load(head, ref pos, source, resolver, maxOpcodes);
        if (keyList is not List<object?> keys || keys.Any(k => k is not string))
            throw new TorchFormatException($"{source}: the storage key list is not a list of strings");

        var storages = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        long offset = pos;
        Span<byte> count = stackalloc byte[8];
        foreach (string key in keys.Cast<string>())
        {
            if (!resolver.Storages.TryGetValue(key, out var storage))
                throw new TorchFormatException($"{source}: storage '{key}' is listed but no tensor uses it");
            int size = ElementSize(storage.Type) ?? throw new TorchFormatException(
                $"{source}: storage '{key}' is torch.{storage.Type.Name}, whose element size is unknown, " +
                "so the storages after it cannot be found");
            if (offset + 8 > file.Length) throw Truncated(source, key);
            file.Position = offset;
            file.ReadExactly(count);
            long numel = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (numel != storage.Numel)
                throw new TorchFormatException(
                    $"{source}: storage '{key}' holds {numel} elements, but its persistent id says {storage.Numel}");
            // Compared before multiplying, so a corrupt count cannot overflow past the check.
            if (numel > (file.Length - offset - 8) / size) throw Truncated(source, key);
            long bytes = numel * size;
            storages[key] = (offset + 8, bytes);
            offset += 8 + bytes;
        }
        return new LegacyTorchFile(root, storages);
    }

    private static TorchFormatException Truncated(string source, string key) =>
        new($"{source}: the file ends inside storage '{key}' (truncated?)");

    private static int? ElementSize(TorchStorageType type) => type.DType is { } d ? d.Size() : type.Name switch
    {
        "CharStorage" => 1,
        "ShortStorage" => 2,
        "IntStorage" => 4,
        "ComplexFloatStorage" => 8,
        "ComplexDoubleStorage" => 16,
        _ => (int?)null,
    };

    /// <summary>The file offset and length of a storage's bytes.</summary>
    public (long Offset, long Bytes) Storage(string key) =>
        _storages.TryGetValue(key, out var s)
            ? s
            : throw new TorchFormatException($"storage '{key}' is not in the file's storage list");

    /// <summary>Storage persistent ids in the legacy form; everything else as in the zip format.</summary>
    private sealed class LegacyResolver(IPickleResolver inner, string source) : IPickleResolver
    {
        public Dictionary<string, TorchStorage> Storages { get; } = new(StringComparer.Ordinal);

        public object Global(string module, string name) => inner.Global(module, name);

        public object Call(object? callable, object?[] args) => inner.Call(callable, args);

        public object PersistentLoad(object? pid)
        {
            const string expected = "expected ('storage', torch.<Type>Storage, key, location, numel, view_metadata)";
            if (pid is not object?[] { Length: 6 } t || t[0] is not "storage" || t[1] is not TorchStorageType type
                || t[2] is not string key || t[3] is not string location || t[4] is not long numel || numel < 0)
                throw new TorchFormatException($"{source}: persistent id is {PickleValue.Describe(pid)}, {expected}");
            if (t[5] is not null)
                throw new TorchFormatException(
                    $"{source}: storage '{key}' is a view of another storage (PyTorch < 0.4), which is not supported");
            if (Storages.TryGetValue(key, out var seen)) return seen;
            return Storages[key] = new TorchStorage(type, key, location, numel);
        }
    }
}
