using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json.Nodes;
using MRVS.Tests.Support;

namespace MRVS.Tests.Robustness;

/// <summary>Small files that declare large or damaged things, and model folders with one thing changed.</summary>
public static class HostileFiles
{
    /// <summary>
    /// A PNG of a few dozen bytes whose header declares <paramref name="width"/> × <paramref name="height"/> pixels,
    /// RGB (colour type 2) or gray (0).
    /// </summary>
    public static byte[] PngHeader(int width, int height, byte colorType = 2)
    {
        var png = new List<byte>([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = colorType;
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk(png, "IEND", []);
        return [.. png];
    }

    private static void Chunk(List<byte> png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.AddRange(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.AddRange(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.AddRange(crc);
    }

    /// <summary>The zip / PNG CRC-32, bit by bit (test data is small).</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    /// <summary>A torch.save-style zip: archive/data.pkl, archive/data/KEY per storage, archive/version.</summary>
    public static string Checkpoint(string path, byte[] pickle, bool compress = false,
        params (string Key, byte[] Data)[] storages)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Add(string name, byte[] data)
        {
            using var s = zip.CreateEntry(name, compress ? CompressionLevel.SmallestSize
                : CompressionLevel.NoCompression).Open();
            s.Write(data);
        }
        Add("archive/data.pkl", pickle);
        foreach (var (key, data) in storages) Add($"archive/data/{key}", data);
        Add("archive/version", "3\n"u8.ToArray());
        return path;
    }

    /// <summary>
    /// A model folder in <paramref name="dir"/> from a fixture: its config (edited by <paramref name="config"/>), its
    /// weights (copied, or replaced by <paramref name="weights"/>) and the demo model's tokenizer.
    /// </summary>
    public static string ModelFolder(string dir, string fixture = "socpp-tiny", Action<JsonObject>? config = null,
        byte[]? weights = null,
        string? configText = null)
    {
        Directory.CreateDirectory(dir);
        var json = JsonNode.Parse(File.ReadAllText(Fixtures.File(fixture, "config.json")))!.AsObject();
        config?.Invoke(json);
        File.WriteAllText(Path.Combine(dir, "config.json"), configText ?? json.ToJsonString());
        var model = Path.Combine(dir, "model.safetensors");
        if (weights is null) File.Copy(Fixtures.File(fixture, "weights.safetensors"), model);
        else File.WriteAllBytes(model, weights);
        foreach (var f in new[] { "vocab.json", "merges.txt" })
            File.Copy(Path.Combine(Fixtures.RepoRoot, "samples", "demo", "model", f), Path.Combine(dir, f));
        return dir;
    }

    /// <summary>Sets a config field by its dotted path (the reader's), inside its {"value": …} wrapper.</summary>
    public static void Set(JsonObject config, string path, JsonNode? value)
    {
        JsonNode node = config;
        foreach (var part in path.Split('.')) node = node[part]!;
        node.AsObject()["value"] = value;
    }

    /// <summary>A safetensors file from a header JSON and a data section, as written byte for byte.</summary>
    public static byte[] SafeTensors(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>
    /// Where <paramref name="needle"/> starts in <paramref name="haystack"/> (it must be there once).
    /// </summary>
    public static int IndexOf(byte[] haystack, byte[] needle)
    {
        int at = haystack.AsSpan().IndexOf(needle);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "pattern not found");
        return at;
    }

    /// <summary>Creates a named pipe with mkfifo(1).</summary>
    public static string Fifo(string path)
    {
        using var p = System.Diagnostics.Process.Start("mkfifo", [path])!;
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, "mkfifo");
        return path;
    }

    /// <summary>Opens a FIFO for writing and closes it, so a reader blocked in open() returns.</summary>
    public static void Release(string fifo)
    {
        try
        {
            using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write);
        }
        catch (IOException) { }
    }
}
