using System.IO.Compression;
using MRVS.Core.Errors;
using MRVS.Core.Limits;
using MRVS.Core.Tensors;

namespace MRVS.Core.IO.Torch;

/// <summary>A tensor of a saved state dict as the pickle describes it, before any of its bytes is read.</summary>
/// <param name="DType">Null for a storage type without an MRVS dtype (<paramref name="StorageType"/> names it).</param>
public sealed record CheckpointTensorInfo(string Name, DType? DType, string StorageType, long[] Shape);

/// <summary>
/// A checkpoint written by <c>torch.save</c> in its zip format (PyTorch ≥ 1.6): <c>&lt;archive&gt;/data.pkl</c>
/// describes the saved object, <c>&lt;archive&gt;/data/&lt;key&gt;</c> hold the raw little-endian storages. The pickle
/// is read on open by
/// <see cref="SafeUnpickler"/> (a whitelist, nothing executed, within <see cref="ResourceLimits.MaxPickleBytes"/> and
/// <see cref="ResourceLimits.MaxPickleOpcodes"/>). A state dict's names, dtypes and shapes are known from the pickle
/// alone (<see cref="Describe"/>), so they can be checked before any tensor is read; tensors are read on demand
/// (<see cref="Read"/>, <see cref="StateDict"/>) into tensors owned by this checkpoint (contiguous copies, also of
/// strided views) and freed by <see cref="Dispose"/>. Every zip entry read is checked against its CRC-32.
/// The saved object must be a dict with string keys, as in <c>torch.save({'epoch': …, 'model_state_dict': …},
/// path)</c>. The legacy (non-zip) format is read by <see cref="LegacyTorchFile"/>: the same pickle, storages at file
/// offsets (no CRC there to check).
/// </summary>
public sealed unsafe class TorchCheckpoint : IDisposable
{
    private const int CopyChunk = 1 << 20;
    private readonly FileStream _file;
    private readonly ZipArchive? _zip;
    private readonly string _archive = "";
    private readonly LegacyTorchFile? _legacy;
    private readonly ResourceLimits _limits;
    private readonly OrderedDictionary<object, object?> _root;
    private readonly Dictionary<string, OrderedDictionary<string, TorchTensorRef>> _refs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Key, string Name), Tensor> _read = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, Tensor>> _loaded = new(StringComparer.Ordinal);

    public string Path { get; }

    /// <summary>The keys of the saved dict, in saved order.</summary>
    public IReadOnlyList<string> TopLevelKeys { get; }

    private TorchCheckpoint(string path, FileStream file, ResourceLimits limits)
    {
        Path = path;
        _file = file;
        _limits = limits;
        object? root;
        if (IsLegacyFormat())
        {
            _legacy = LegacyTorchFile.Read(file, path, limits);
            root = _legacy.Root;
        }
        else
        {
            try
            {
                _zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
                _ = _zip.Entries; // the central directory is read here
            }
            catch (InvalidDataException)
            {
                throw Fail("not a readable zip archive: its central directory is damaged or missing (truncated?)");
            }
            var pickle = FindPickle();
            _archive = pickle.FullName[..^"/data.pkl".Length];
            RejectBigEndian();
            var source = $"{path}: {pickle.FullName}";
            ResourceLimits.CheckFileSize(pickle.Length, limits.MaxPickleBytes, nameof(ResourceLimits.MaxPickleBytes),
                source);
            root = SafeUnpickler.Load(ReadAll(pickle), source, new TorchPickleResolver(source),
                limits.MaxPickleOpcodes);
        }
        _root = root as OrderedDictionary<object, object?>
                ?? throw Fail($"the saved object is {PickleValue.Describe(root)}, expected a dict such as " +
                    $"{{'model_state_dict': ...}}");
        TopLevelKeys = _root.Keys.Select(k => k as string
                                              ?? throw Fail($"the saved dict has a key that is " +
                                                  $"{PickleValue.Describe(k)}, expected strings")).ToList();
    }

    public static TorchCheckpoint Open(string path, ResourceLimits? limits = null)
    {
        InputFile.RequireRegular(path, "checkpoint", MrvsErrorKind.BadModel);
        FileStream file;
        try { file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new TorchFormatException($"{path}: cannot open ({e.Message})");
        }
        try { return new TorchCheckpoint(path, file, limits ?? ResourceLimits.Default); }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The names, dtypes and shapes of the dict of tensors saved under <paramref name="key"/> (null: the saved dict
    /// itself, a bare state dict), from the pickle alone. Throws when the dict holds something else than tensors, when
    /// a tensor's view leaves its storage, or when the storages the dict refers to add up to more than <see
    /// cref="ResourceLimits.MaxModelBytes"/>.
    /// </summary>
    public IReadOnlyList<CheckpointTensorInfo> Describe(string? key = "model_state_dict") =>
        Refs(key).Select(x => new CheckpointTensorInfo(x.Key, x.Value.Storage.Type.DType, x.Value.Storage.Type.Name,
            x.Value.Size)).ToList();

    /// <summary>
    /// One tensor of the dict under <paramref name="key"/> (null: the saved dict), read on the first call; it belongs
    /// to this checkpoint.
    /// </summary>
    public Tensor Read(string? key, string name)
    {
        if (_read.TryGetValue((key ?? "", name), out var t)) return t;
        if (!Refs(key).TryGetValue(name, out var r)) throw Fail($"{DictName(key)} has no entry '{name}'");
        return _read[(key ?? "", name)] = ReadTensor($"{DictName(key)} entry '{name}'", r);
    }

    /// <summary>
    /// The dict of tensors saved under <paramref name="key"/> (null: the saved dict itself, a bare state dict), read
    /// on the first call (later calls return the same tensors). Entries <paramref name="include"/> rejects are not
    /// read. The tensors belong to this checkpoint and are freed when it is disposed.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict(string? key = "model_state_dict",
        Predicate<string>? include = null)
    {
        if (include is null && _loaded.TryGetValue(key ?? "", out var done)) return done;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in Refs(key).Keys)
            if (include is null || include(name)) tensors.Add(name, Read(key, name));
        if (include is null) _loaded[key ?? ""] = tensors;
        return tensors;
    }

    private static string DictName(string? key) => key is null ? "the saved dict" : $"'{key}'";

    private OrderedDictionary<string, TorchTensorRef> Refs(string? key)
    {
        if (_refs.TryGetValue(key ?? "", out var known)) return known;
        object? value = _root;
        if (key is not null && !_root.TryGetValue(key, out value))
            throw Fail($"no top-level key '{key}'; the saved dict has {FormatKeys()}");
        var what = DictName(key);
        if (value is not OrderedDictionary<object, object?> dict)
            throw Fail($"{what} is {PickleValue.Describe(value)}, expected a dict of tensors");
        var refs = new OrderedDictionary<string, TorchTensorRef>(dict.Count, StringComparer.Ordinal);
        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        foreach (var (k, v) in dict)
        {
            if (k is not string name) throw Fail($"{what} has a key that is {PickleValue.Describe(k)}, expected " +
                $"strings");
            if (v is not TorchTensorRef r)
                throw Fail($"{what} entry '{name}' is {PickleValue.Describe(v)}, expected a tensor");
            CheckView($"{what} entry '{name}'", r);
            refs.Add(name, r);
            storages.TryAdd(r.Storage.Key, r.Storage);
        }
        // Views may share storages; what would be read is each storage once.
        long total = 0;
        foreach (var s in storages.Values)
            total = SaturatingAdd(total, SaturatingMultiply(s.Numel, s.Type.DType?.Size() ?? 1));
        ResourceLimits.CheckFileSize(total, _limits.MaxModelBytes, nameof(ResourceLimits.MaxModelBytes),
            $"{Path}: the {storages.Count} storages of {what}");
        _refs[key ?? ""] = refs;
        return refs;
    }

    /// <summary>The view stays inside its storage, and the storage's entry exists with the storage's size.</summary>
    private void CheckView(string what, TorchTensorRef r)
    {
        var storage = r.Storage;
        long last;
        try { last = r.LastElement; }
        catch (OverflowException)
        {
            throw Fail($"{what}: size {Format(r.Size)} and stride {Format(r.Stride)} " +
            $"overflow 64-bit offsets");
        }
        if (last >= storage.Numel)
            throw Fail($"{what}: offset {r.Offset}, size {Format(r.Size)}, stride {Format(r.Stride)} reach element " +
                $"{last} " +
                       $"of storage '{storage.Key}', which holds {storage.Numel}");
        var (entryName, entry) = FindStorage(what, storage);
        long length = entry?.Length ?? _legacy!.Storage(storage.Key).Bytes;
        if (storage.Type.DType is { } dtype && (length % dtype.Size() != 0 || length / dtype.Size() != storage.Numel))
            throw Fail($"{what}: storage entry '{entryName}' holds {length} bytes, expected {storage.Numel} x " +
                $"{dtype.Size()} (torch.{storage.Type.Name})");
    }

    private Tensor ReadTensor(string what, TorchTensorRef r)
    {
        var storage = r.Storage;
        if (storage.Type.DType is not { } dtype)
            throw Fail($"{what} is stored as torch.{storage.Type.Name}, which has no MRVS dtype (supported: " +
                $"{TorchStorageType.Supported})");
        int size = dtype.Size();
        if (ByteCount(r.Size, size) is not { } bytes)
            throw Fail($"{what}: size {Format(r.Size)} of torch.{storage.Type.Name} is over 2 GiB, more than one " +
                $"host tensor holds");
        long last = r.LastElement, span = (last - r.Offset + 1) * size;
        if (!r.IsContiguous && span > Array.MaxLength)
            throw Fail($"{what}: the strided view spans {span} bytes of storage '{storage.Key}', too many to gather " +
                $"in memory");
        var (entryName, entry) = FindStorage(what, storage);
        var tensor = Tensor.Zeros(dtype, r.Size.Select(d => (int)d).ToArray());
        try
        {
            var dst = new Span<byte>((void*)tensor.Data, bytes);
            if (r.IsContiguous || tensor.ElementCount == 0)
                Copy(entry, storage, r.Offset * size, dst);
            else
            {
                var window = new byte[span];
                Copy(entry, storage, r.Offset * size, window);
                Gather(window, dst, r, size);
            }
            return tensor;
        }
        catch (Exception e) when (e is IOException)
        {
            tensor.Dispose();
            throw Fail($"{what}: cannot read storage entry '{entryName}' ({ErrorText.OneLine(e.Message)})");
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Bytes [start, start + destination.Length) of a storage: from its zip entry, verified, or from the legacy file.
    /// </summary>
    private void Copy(ZipArchiveEntry? entry, TorchStorage storage, long start, Span<byte> destination)
    {
        if (entry is not null)
        {
            CopyVerified(entry, start, destination);
            return;
        }
        using var stream = new FileSegment(_file.SafeFileHandle, _legacy!.Storage(storage.Key).Offset);
        Skip(stream, start);
        try { stream.ReadExactly(destination); }
        catch (EndOfStreamException) { throw Fail($"storage '{storage.Key}' ends early (truncated?)"); }
    }

    /// <summary>
    /// Streams the whole entry once, checking its length and CRC-32, and copies bytes [start, start +
    /// destination.Length) of it into <paramref name="destination"/>.
    /// </summary>
    private void CopyVerified(ZipArchiveEntry entry, long start, Span<byte> destination)
    {
        var crc = new Crc32();
        var buffer = new byte[(int)Math.Min(CopyChunk, Math.Max(entry.Length, 1))];
        long at = 0;
        try
        {
            using var stream = entry.Open();
            while (at < entry.Length)
            {
                int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, entry.Length - at));
                if (n == 0) throw Fail($"'{entry.FullName}' ends after {at} of its {entry.Length} bytes (truncated?)");
                var chunk = buffer.AsSpan(0, n);
                crc.Append(chunk);
                long from = Math.Max(at, start), to = Math.Min(at + n, start + destination.Length);
                if (from < to) chunk[(int)(from - at)..(int)(to - at)].CopyTo(destination[(int)(from - start)..]);
                at += n;
            }
            if (stream.Read(buffer, 0, 1) != 0)
                throw Fail($"'{entry.FullName}' holds more than the {entry.Length} bytes its header declares");
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw Fail($"cannot read '{entry.FullName}' ({e.Message})");
        }
        if (crc.Value != entry.Crc32)
            throw Fail($"'{entry.FullName}' is damaged: its CRC-32 is {crc.Value:x8}, the archive says " +
                $"{entry.Crc32:x8}");
    }

    private static long SaturatingMultiply(long a, long b) => a != 0 && b > long.MaxValue / a ? long.MaxValue : a * b;

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    /// <summary>Bytes of a tensor of this size, or null past what one host tensor (a Span) can hold.</summary>
    private static int? ByteCount(long[] shape, int elementSize)
    {
        long bytes = elementSize;
        foreach (var d in shape)
        {
            if (d == 0) return 0;
            bytes *= d;
            if (bytes > int.MaxValue) bytes = int.MaxValue + 1L;
        }
        return bytes > int.MaxValue ? null : (int)bytes;
    }

    /// <summary>
    /// Copies a strided view into row-major order, element by element (the last axis fastest);
    /// <paramref name="src"/> starts at the view's storage offset.
    /// </summary>
    private static void Gather(ReadOnlySpan<byte> src, Span<byte> dst, TorchTensorRef r, int size)
    {
        int rank = r.Size.Length;
        var index = new long[rank];
        long at = 0;
        for (int i = 0; i < dst.Length; i += size)
        {
            src.Slice(checked((int)(at * size)), size).CopyTo(dst.Slice(i, size));
            for (int d = rank - 1; d >= 0; d--)
            {
                at += r.Stride[d];
                if (++index[d] < r.Size[d]) break;
                at -= r.Stride[d] * r.Size[d];
                index[d] = 0;
            }
        }
    }

    private static void Skip(Stream stream, long bytes)
    {
        if (bytes == 0) return;
        if (stream.CanSeek)
        {
            stream.Seek(bytes, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[Math.Min(bytes, 1 << 16)];
        for (long left = bytes; left > 0; left -= buffer.Length)
            stream.ReadExactly(buffer, 0, (int)Math.Min(left, buffer.Length));
    }

    /// <summary>
    /// The zip entry of a storage, or null in a legacy file (where the storage is a span of the file).
    /// </summary>
    private (string Name, ZipArchiveEntry? Entry) FindStorage(string what, TorchStorage storage)
    {
        if (_zip is null) return ($"storage '{storage.Key}'", null);
        var entryName = $"{_archive}/data/{storage.Key}";
        return (entryName, _zip.GetEntry(entryName) ?? throw Fail($"{what}: storage entry '{entryName}' is missing"));
    }

    /// <summary>
    /// Zip (PyTorch ≥ 1.6) or legacy pickles; a tar file (PyTorch &lt; 0.4) or anything else is rejected.
    /// </summary>
    private bool IsLegacyFormat()
    {
        Span<byte> head = stackalloc byte[262];
        int n = _file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        _file.Position = 0;
        head = head[..n];
        if (head.StartsWith("PK"u8)) return false;
        if (LegacyTorchFile.Recognize(head)) return true;
        const string resave = "re-save it with PyTorch ≥ 1.6 (torch.save(torch.load(old), new))";
        if (n > 0 && head[0] == (byte)PickleOpcode.Proto)
            throw Fail("the file is a pickle but not a torch.save file: it does not start with torch's magic number");
        if (n >= 262 && head[257..262].SequenceEqual("ustar"u8))
            throw Fail($"the file is a legacy tar-format torch.save file; {resave}");
        throw Fail("the file is not a zip archive (expected the torch.save zip format, starting with 'PK')");
    }

    /// <summary>torch.save puts everything under one folder named after the file: exactly one
    /// '&lt;archive&gt;/data.pkl'.</summary>
    private ZipArchiveEntry FindPickle()
    {
        var zip = _zip!;
        var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
            && e.FullName.IndexOf('/') == e.FullName.Length - "/data.pkl".Length).ToList();
        if (pickles.Count == 1) return pickles[0];
        var names = string.Join(", ", zip.Entries.Take(10).Select(e => $"'{e.FullName}'"));
        return pickles.Count == 0
            ? throw Fail($"the zip archive has no '<archive>/data.pkl' entry, so it is not a torch.save checkpoint " +
                $"(entries: {names}" +
                         $"{(zip.Entries.Count > 10 ? ", ..." : "")})")
            : throw Fail($"the zip archive has {pickles.Count} '<archive>/data.pkl' entries, expected one");
    }

    private void RejectBigEndian()
    {
        var entry = _zip!.GetEntry($"{_archive}/byteorder");
        if (entry == null) return;
        var order = System.Text.Encoding.ASCII.GetString(ReadAll(entry)).Trim();
        if (order != "little") throw Fail($"'{entry.FullName}' says '{order}'; only little-endian storages are " +
            $"supported");
    }

    private byte[] ReadAll(ZipArchiveEntry entry)
    {
        if (entry.Length > Array.MaxLength) throw Fail($"'{entry.FullName}' is {entry.Length} bytes, too large to " +
            $"read");
        var bytes = new byte[entry.Length];
        CopyVerified(entry, 0, bytes);
        return bytes;
    }

    private string FormatKeys()
    {
        if (TopLevelKeys.Count == 0) return "no keys";
        const int shown = 20;
        var keys = string.Join(", ", TopLevelKeys.Take(shown).Select(k => $"'{k}'"));
        return TopLevelKeys.Count > shown ? $"keys {keys}, ... ({TopLevelKeys.Count} in all)" : $"keys {keys}";
    }

    private static string Format(long[] values) => "[" + string.Join(", ", values) + "]";

    private TorchFormatException Fail(string what) => new($"{Path}: {what}");

    public void Dispose()
    {
        foreach (var t in _read.Values) t.Dispose();
        _read.Clear();
        _loaded.Clear();
        _zip?.Dispose();
        _file.Dispose();
    }
}
