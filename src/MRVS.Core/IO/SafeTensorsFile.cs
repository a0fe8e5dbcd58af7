using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using MRVS.Core.Errors;
using MRVS.Core.Limits;
using MRVS.Core.Tensors;

namespace MRVS.Core.IO;

/// <summary>Header entry of one tensor: dtype, shape and its byte range inside the data section.</summary>
public sealed record SafeTensorInfo(string Name, DType DType, int[] Shape, long Begin, long End);

/// <summary>
/// A safetensors file, read into memory this object owns. The header is validated completely before any tensor byte
/// is read (header length, UTF-8 JSON, no duplicate names, dtypes, shapes vs. byte ranges, ranges tiling the data
/// section without gaps or overlaps, the file within <see cref="ResourceLimits.MaxModelBytes"/>); tensors are then
/// zero-copy views of that memory when aligned to their element size, copies otherwise.
/// The data is read rather than memory-mapped: a mapped file truncated by another process while in use kills the
/// process with SIGBUS, which .NET cannot catch. A file that shrinks while it is read is reported as such.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    /// <summary>Headers larger than this are rejected before anything is allocated (the format's own bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int ReadChunk = 1 << 26;
    private byte* _data;
    private readonly Dictionary<string, SafeTensorInfo> _entries;

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    private SafeTensorsFile(string path, ResourceLimits limits)
    {
        Path = path;
        InputFile.RequireRegular(path, "safetensors file", MrvsErrorKind.BadModel);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1,
            FileOptions.SequentialScan);
        long length = file.Length;
        if (length < 8) throw Fail($"file is {length} bytes, shorter than the 8-byte header length");
        ResourceLimits.CheckFileSize(length, limits.MaxModelBytes, nameof(ResourceLimits.MaxModelBytes),
            $"safetensors file '{path}'");
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(file, prefix);
        long n = BitConverter.ToInt64(prefix);
        if (n <= 0 || n > MaxHeaderBytes || n > length - 8)
            throw Fail($"header length {n} is out of bounds (file {length} bytes, limit {MaxHeaderBytes})");
        var header = new byte[n];
        ReadExactly(file, header);
        long dataLength = length - 8 - n;
        (_entries, Metadata) = ParseHeader(header, dataLength);
        Tensors = _entries.Values.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();

        _data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(dataLength, 1), 64);
        try
        {
            for (long done = 0; done < dataLength; done += ReadChunk)
                ReadExactly(file, new Span<byte>(_data + done, (int)Math.Min(ReadChunk, dataLength - done)));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens and reads a safetensors file; every problem is a <see cref="SafeTensorsFormatException"/> naming it.
    /// </summary>
    public static SafeTensorsFile Open(string path, ResourceLimits? limits = null)
    {
        try { return new SafeTensorsFile(path, limits ?? ResourceLimits.Default); }
        catch (EndOfStreamException)
        {
            throw new SafeTensorsFormatException(
                $"{path}: the file became shorter while it was read (changed by another process?)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafeTensorsFormatException($"{path}: cannot read it ({e.Message})");
        }
    }

    private static void ReadExactly(FileStream file, Span<byte> buffer) => file.ReadExactly(buffer);

    private SafeTensorsFormatException Fail(string what, string? tensor = null) =>
        new(tensor is null ? $"{Path}: {what}" : $"{Path}: tensor '{tensor}': {what}");

    private (Dictionary<string, SafeTensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(byte[] json,
        long dataLength)
    {
        if (!Utf8.IsValid(json)) throw Fail("header is not UTF-8 text");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Fail($"header is not valid JSON ({ErrorText.Json(e)})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Fail("header is not a JSON object");
            var entries = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            Dictionary<string, string>? meta = null;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    if (meta is not null) throw Fail("__metadata__ appears twice in the header");
                    meta = ParseMetadata(p.Value);
                }
                else if (!entries.TryAdd(p.Name, ParseEntry(p.Name, p.Value, dataLength)))
                    throw Fail("appears twice in the header (which one holds the weights?)", p.Name);
            }
            CheckTiling(entries.Values, dataLength);
            return (entries, meta ?? []);
        }
    }

    private Dictionary<string, string> ParseMetadata(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Fail("__metadata__ is not an object");
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String) throw Fail($"__metadata__ value '{m.Name}' is not a string");
            if (!meta.TryAdd(m.Name, m.Value.GetString()!)) throw Fail($"__metadata__ key '{m.Name}' appears twice");
        }
        return meta;
    }

    /// <summary>
    /// The format's rule: the tensors' byte ranges tile the data section, with no gap, overlap or trailing bytes.
    /// </summary>
    private void CheckTiling(IEnumerable<SafeTensorInfo> entries, long dataLength)
    {
        long end = 0;
        SafeTensorInfo? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < end)
                throw Fail($"byte range [{e.Begin}, {e.End}) overlaps tensor '{previous!.Name}' [{previous.Begin}, " +
                    $"{previous.End})", e.Name);
            if (e.Begin > end)
                throw Fail($"byte range [{e.Begin}, {e.End}) leaves a gap of {e.Begin - end} bytes after " +
                    $"{(previous is null ? "the header" : $"tensor '{previous.Name}'")}", e.Name);
            end = e.End;
            previous = e;
        }
        if (end != dataLength)
            throw Fail($"the tensors cover {end} bytes of the {dataLength}-byte data section; the rest belongs to no " +
                "tensor (a damaged or padded file)");
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
                throw Fail($"shape entry {d.GetRawText()} is not a non-negative 32-bit integer", name);
            shape[k++] = v;
        }
        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array
            || off.GetArrayLength() != 2
            || off[0].ValueKind != JsonValueKind.Number || off[1].ValueKind != JsonValueKind.Number)
            throw Fail("data_offsets must be [begin, end], two integers", name);
        if (!off[0].TryGetInt64(out var begin) || !off[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw Fail($"data_offsets [{off[0].GetRawText()}, {off[1].GetRawText()}] are not an ordered pair of " +
                "offsets", name);
        if (end > dataLength)
            throw Fail($"data_offsets end {end} is past the data section ({dataLength} bytes)", name);
        long expected;
        try { expected = checked(Shape.Elements(shape) * dtype.Size()); }
        catch (OverflowException)
        {
            throw Fail($"shape {Shape.Format(shape)} has more elements than 64 bits count",
            name);
        }
        if (end - begin != expected)
            throw Fail($"shape {Shape.Format(shape)} of {dtype.SafeTensorsName()} needs {expected} bytes but " +
                $"data_offsets span {end - begin}", name);
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    public bool Contains(string name) => _entries.ContainsKey(name);

    public SafeTensorInfo Info(string name) =>
        _entries.TryGetValue(name, out var i) ? i : throw new SafeTensorsFormatException($"{Path}: no tensor '{name}'");

    /// <summary>
    /// The tensor as a zero-copy view when aligned (valid while this file is not disposed), else a copy.
    /// </summary>
    public Tensor Get(string name)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        var info = Info(name);
        byte* p = _data + info.Begin;
        if (((nint)p % info.DType.Size()) == 0)
            return Tensor.View(info.DType, info.Shape, (nint)p, this);
        var t = Tensor.Zeros(info.DType, info.Shape);
        Buffer.MemoryCopy(p, (void*)t.Data, t.ByteLength, info.End - info.Begin);
        return t;
    }

    public void Dispose()
    {
        if (_data == null) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
        GC.SuppressFinalize(this);
    }

    ~SafeTensorsFile() => Dispose();
}
