using System.IO.Compression;
using MRVS.Core.Tensors;

namespace MRVS.Core.IO.Torch;

/// <summary>
/// A checkpoint written by <c>torch.save</c> in its zip format (PyTorch ≥ 1.6): <c>&lt;archive&gt;/data.pkl</c>
/// describes the saved object, <c>&lt;archive&gt;/data/&lt;key&gt;</c> hold the raw little-endian storages. The pickle
/// is read on open by <see cref="SafeUnpickler"/> (a whitelist, nothing executed); tensors are read on demand by
/// <see cref="StateDict"/> into tensors owned by this checkpoint (contiguous copies, also of strided views) and freed
/// by <see cref="Dispose"/>. The saved object must be a dict with string keys, as in <c>torch.save({'epoch': …,
/// 'model_state_dict': …}, path)</c>. The legacy (non-zip) format is read by <see cref="LegacyTorchFile"/>: the same
/// pickle, storages at file offsets.
/// </summary>
public sealed unsafe class TorchCheckpoint : IDisposable
{
    private readonly FileStream _file;
    private readonly ZipArchive? _zip;
    private readonly string _archive = "";
    private readonly LegacyTorchFile? _legacy;
    private readonly OrderedDictionary<object, object?> _root;
    private readonly Dictionary<string, IReadOnlyDictionary<string, Tensor>> _loaded = new(StringComparer.Ordinal);

    public string Path { get; }

    /// <summary>The keys of the saved dict, in saved order.</summary>
    public IReadOnlyList<string> TopLevelKeys { get; }

    private TorchCheckpoint(string path, FileStream file)
    {
        Path = path;
        _file = file;
        object? root;
        if (IsLegacyFormat())
        {
            _legacy = LegacyTorchFile.Read(file, path);
            root = _legacy.Root;
        }
        else
        {
            try { _zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true); }
            catch (InvalidDataException e) { throw Fail($"not a readable zip archive ({e.Message})"); }
            var pickle = FindPickle();
            _archive = pickle.FullName[..^"/data.pkl".Length];
            RejectBigEndian();
            var source = $"{path}: {pickle.FullName}";
            root = SafeUnpickler.Load(ReadAll(pickle), source, new TorchPickleResolver(source));
        }
        _root = root as OrderedDictionary<object, object?>
                ?? throw Fail($"the saved object is {PickleValue.Describe(root)}, expected a dict such as "
                    + $"{{'model_state_dict': ...}}");
        TopLevelKeys = _root.Keys.Select(k => k as string
                                              ?? throw Fail($"the saved dict has a key that is "
                                                  + $"{PickleValue.Describe(k)}, expected strings")).ToList();
    }

    public static TorchCheckpoint Open(string path)
    {
        FileStream file;
        try { file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new TorchFormatException($"{path}: cannot open ({e.Message})");
        }
        try { return new TorchCheckpoint(path, file); }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The dict of tensors saved under <paramref name="key"/> (null: the saved dict itself, a bare state dict), read on
    /// the first call (later calls return the same tensors). Entries <paramref name="include"/> rejects are neither
    /// checked nor read. The tensors belong to this checkpoint and are freed when it is disposed.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict(string? key = "model_state_dict",
        Predicate<string>? include = null)
    {
        var cacheKey = key ?? "";
        if (_loaded.TryGetValue(cacheKey, out var done)) return done;
        object? value = _root;
        if (key != null && !_root.TryGetValue(key, out value))
            throw Fail($"no top-level key '{key}'; the saved dict has {FormatKeys()}");
        key ??= "the saved dict";
        if (value is not OrderedDictionary<object, object?> dict)
            throw Fail($"'{key}' is {PickleValue.Describe(value)}, expected a dict of tensors");
        var refs = new List<(string Name, TorchTensorRef Ref)>(dict.Count);
        foreach (var (k, v) in dict)
        {
            if (k is not string name)
                throw Fail($"'{key}' has a key that is {PickleValue.Describe(k)}, expected strings");
            if (include != null && !include(name)) continue;
            if (v is not TorchTensorRef r)
                throw Fail($"'{key}' entry '{name}' is {PickleValue.Describe(v)}, expected a tensor");
            refs.Add((name, r));
        }
        var tensors = new Dictionary<string, Tensor>(refs.Count, StringComparer.Ordinal);
        try
        {
            foreach (var (name, r) in refs) tensors.Add(name, ReadTensor($"'{key}' entry '{name}'", r));
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        _loaded[cacheKey] = tensors;
        return tensors;
    }

    private Tensor ReadTensor(string what, TorchTensorRef r)
    {
        var storage = r.Storage;
        if (storage.Type.DType is not { } dtype)
            throw Fail($"{what} is stored as torch.{storage.Type.Name}, which has no MRVS dtype (supported: "
                + $"{TorchStorageType.Supported})");
        long last;
        try { last = r.LastElement; }
        catch (OverflowException) { throw Fail($"{what}: size {Format(r.Size)} and stride {Format(r.Stride)} overflow "
            + "64-bit offsets"); }
        if (last >= storage.Numel)
            throw Fail($"{what}: offset {r.Offset}, size {Format(r.Size)}, stride {Format(r.Stride)} reach element "
                + $"{last} " +
                       $"of storage '{storage.Key}', which holds {storage.Numel}");
        var (entryName, entry) = FindStorage(what, storage);
        int size = dtype.Size();
        long length = entry?.Length ?? _legacy!.Storage(storage.Key).Bytes;
        if (length % size != 0 || length / size != storage.Numel)
            throw Fail($"{what}: storage entry '{entryName}' holds {length} bytes, expected {storage.Numel} x {size} " +
                       $"(torch.{storage.Type.Name})");

        if (ByteCount(r.Size, size) is not { } bytes)
            throw Fail($"{what}: size {Format(r.Size)} of torch.{storage.Type.Name} is over 2 GiB, more than one host "
                + "tensor holds");
        long span = (last - r.Offset + 1) * size;
        if (!r.IsContiguous && span > Array.MaxLength)
            throw Fail($"{what}: the strided view spans {span} bytes of storage '{storage.Key}', too many to gather "
                + "in memory");
        var tensor = Tensor.Zeros(dtype, r.Size.Select(d => (int)d).ToArray());
        try
        {
            if (tensor.ElementCount == 0) return tensor;
            var dst = new Span<byte>((void*)tensor.Data, bytes);
            using var stream = entry?.Open()
                ?? new FileSegment(_file.SafeFileHandle, _legacy!.Storage(storage.Key).Offset);
            Skip(stream, r.Offset * size);
            if (r.IsContiguous)
                stream.ReadExactly(dst);
            else
            {
                var src = new byte[span];
                stream.ReadExactly(src);
                Gather(src, dst, r, size);
            }
            return tensor;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            tensor.Dispose();
            throw Fail($"{what}: cannot read storage entry '{entryName}' ({e.Message})");
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

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

    /// <summary>
    /// torch.save puts everything under one folder named after the file: exactly one '&lt;archive&gt;/data.pkl'.
    /// </summary>
    private ZipArchiveEntry FindPickle()
    {
        var zip = _zip!;
        var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                                              && e.FullName.IndexOf('/') == e.FullName.Length
                                                  - "/data.pkl".Length).ToList();
        if (pickles.Count == 1) return pickles[0];
        var names = string.Join(", ", zip.Entries.Take(10).Select(e => $"'{e.FullName}'"));
        return pickles.Count == 0
            ? throw Fail($"the zip archive has no '<archive>/data.pkl' entry, so it is not a torch.save checkpoint "
                + $"(entries: {names}" +
                         $"{(zip.Entries.Count > 10 ? ", ..." : "")})")
            : throw Fail($"the zip archive has {pickles.Count} '<archive>/data.pkl' entries, expected one");
    }

    private void RejectBigEndian()
    {
        var entry = _zip!.GetEntry($"{_archive}/byteorder");
        if (entry == null) return;
        var order = System.Text.Encoding.ASCII.GetString(ReadAll(entry)).Trim();
        if (order != "little")
            throw Fail($"'{entry.FullName}' says '{order}'; only little-endian storages are supported");
    }

    private byte[] ReadAll(ZipArchiveEntry entry)
    {
        if (entry.Length > Array.MaxLength)
            throw Fail($"'{entry.FullName}' is {entry.Length} bytes, too large to read");
        var bytes = new byte[entry.Length];
        try
        {
            using var s = entry.Open();
            s.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw Fail($"cannot read '{entry.FullName}' ({e.Message})");
        }
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
        foreach (var dict in _loaded.Values)
            foreach (var t in dict.Values) t.Dispose();
        _loaded.Clear();
        _zip?.Dispose();
        _file.Dispose();
    }
}
