using System.IO.MemoryMappedFiles;
using System.Text.Json;
using MRVS.Core.Tensors;

namespace MRVS.Core.IO;

/// <summary>Header entry of one tensor: dtype, shape and its byte range inside the data section.</summary>
public sealed record SafeTensorInfo(string Name, DType DType, int[] Shape, long Begin, long End);

/// <summary>
/// A memory-mapped safetensors file. The header is validated completely on open (header-length bound, JSON,
/// dtypes, shape vs. byte range, ranges in bounds and not overlapping); tensors are then zero-copy views
/// of the mapping when aligned to their element size, copies otherwise.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    /// <summary>Headers larger than this are rejected before anything is allocated (the format's own bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _entries;

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    private SafeTensorsFile(string path)
    {
        Path = path;
        FileInfo fi;
        try
        {
            fi = new FileInfo(path);
            // A symbolic link's own length is that of its target's name; the mapping needs the target's.
            if (fi.LinkTarget != null) fi = (FileInfo)(fi.ResolveLinkTarget(returnFinalTarget: true) ?? fi);
            if (!fi.Exists) throw new FileNotFoundException();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new SafeTensorsFormatException($"{path}: file not found or unreadable");
        }
        long length = fi.Length;
        if (length < 8) throw Fail($"file is {length} bytes, shorter than the 8-byte header length");
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _base);
        _base += _view.PointerOffset;
        long n = *(long*)_base;
        if (n <= 0 || n > MaxHeaderBytes || n > length - 8)
            throw Fail($"header length {n} is out of bounds (file {length} bytes, limit {MaxHeaderBytes})");
        _dataStart = 8 + n;
        long dataLength = length - _dataStart;
        (_entries, Metadata) = ParseHeader(new ReadOnlySpan<byte>(_base + 8, (int)n), dataLength);
        Tensors = _entries.Values.OrderBy(e => e.Begin).ToList();
    }

    public static SafeTensorsFile Open(string path)
    {
        var f = (SafeTensorsFile?)null;
        try { f = new SafeTensorsFile(path); return f; }
        catch (IOException e) { throw new SafeTensorsFormatException($"{path}: {e.Message}"); }
        catch { f?.Dispose(); throw; }
    }

    private SafeTensorsFormatException Fail(string what, string? tensor = null) =>
        new(tensor is null ? $"{Path}: {what}" : $"{Path}: tensor '{tensor}': {what}");

    private (Dictionary<string, SafeTensorInfo>,
        IReadOnlyDictionary<string, string>) ParseHeader(ReadOnlySpan<byte> json, long dataLength)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json.ToArray()); }
        catch (JsonException e) { throw Fail($"header is not valid JSON ({e.Message})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Fail("header is not a JSON object");
            var entries = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var meta = new Dictionary<string, string>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    if (p.Value.ValueKind != JsonValueKind.Object) throw Fail("__metadata__ is not an object");
                    foreach (var m in p.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Fail($"__metadata__ value '{m.Name}' is not a string");
                        meta[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries[p.Name] = ParseEntry(p.Name, p.Value, dataLength);
            }
            var sorted = entries.Values.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
            for (int i = 1; i < sorted.Count; i++)
                if (sorted[i].Begin < sorted[i - 1].End && sorted[i].End > sorted[i].Begin)
                    throw Fail($"byte range [{sorted[i].Begin}, {sorted[i].End}) overlaps tensor '{sorted[i
                        - 1].Name}' [{sorted[i - 1].Begin}, {sorted[i - 1].End})", sorted[i].Name);
            return (entries, meta);
        }
    }

    private SafeTensorInfo ParseEntry(string name, JsonElement e, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Fail("entry is not an object", name);
        if (!e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw Fail("missing dtype", name);
        if (!DTypeInfo.TryParseSafeTensors(dt.GetString()!, out var dtype))
            throw Fail($"unsupported dtype '{dt.GetString()}' (expected F32, F16, BF16, F64, I64, U8 or BOOL)", name);
        if (!e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw Fail("missing shape", name);
        var shape = new int[sh.GetArrayLength()];
        int k = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var v) || v < 0)
                throw Fail($"shape entry {d} is not a non-negative integer", name);
            shape[k++] = v;
        }
        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array
            || off.GetArrayLength() != 2)
            throw Fail("data_offsets must be [begin, end]", name);
        if (!off[0].TryGetInt64(out var begin) || !off[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw Fail($"data_offsets [{off[0]}, {off[1]}] are not an ordered pair of offsets", name);
        if (end > dataLength)
            throw Fail($"data_offsets end {end} is past the data section ({dataLength} bytes)", name);
        long expected;
        try { expected = checked(Shape.Elements(shape) * dtype.Size()); }
        catch (OverflowException) { throw Fail($"shape {Shape.Format(shape)} is too large", name); }
        if (end - begin != expected)
            throw Fail($"shape {Shape.Format(shape)} of {dtype.SafeTensorsName()} needs {expected} bytes but "
                + $"data_offsets span {end - begin}", name);
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    public bool Contains(string name) => _entries.ContainsKey(name);

    public SafeTensorInfo Info(string name) =>
        _entries.TryGetValue(name, out var i) ? i : throw new KeyNotFoundException($"{Path}: no tensor '{name}'");

    /// <summary>
    /// The tensor as a zero-copy view when aligned (the file stays mapped while it lives), else a copy.
    /// </summary>
    public Tensor Get(string name)
    {
        var info = Info(name);
        byte* p = _base + _dataStart + info.Begin;
        if (((nint)p % info.DType.Size()) == 0)
            return Tensor.View(info.DType, info.Shape, (nint)p, this);
        var t = Tensor.Zeros(info.DType, info.Shape);
        new ReadOnlySpan<byte>(p,
            checked((int)(info.End - info.Begin))).CopyTo(new Span<byte>((void*)t.Data, (int)t.ByteLength));
        return t;
    }

    public void Dispose()
    {
        if (_view != null && _base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _base = null;
        }
        _view?.Dispose();
        _map?.Dispose();
    }
}
