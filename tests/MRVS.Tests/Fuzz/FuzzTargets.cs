using System.Text;
using MRVS.Pipeline.Media;
using MRVS.Tests.Media;
using MRVS.Tests.Segmentation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Tests.Fuzz;

/// <summary>
/// The inputs the fuzz suite mutates and the command each is given to: model files through <c>mrvs info</c> (which
/// checks a model folder as segment loads it), checkpoints through <c>mrvs convert</c>, media through <c>mrvs
/// segment</c>, predicted masks through <c>mrvs score</c>, a dataset's meta_expressions.json through <c>mrvs
/// eval</c>.
/// </summary>
public static class FuzzTargets
{
    public const string Sentence = "the red ball jumps over 12 lazy cats!";

    public static IReadOnlyList<FuzzTarget> All(MicroModel model) =>
    [
        new("safetensors", 3, [File.ReadAllBytes(Path.Combine(model.Folder, "model.safetensors"))], MutateSafeTensors,
            (dir, bytes) => Info(model, dir, "model.safetensors", bytes)),
        new("config", 3, [File.ReadAllBytes(model.ConfigPath)], (m, b) => Utf8(m.Json(Encoding.UTF8.GetString(b))),
            (dir, bytes) => Info(model, dir, "config.json", bytes)),
        new("vocab", 2, [File.ReadAllBytes(model.Vocab)], (m, b) => Utf8(m.Json(Encoding.UTF8.GetString(b))),
            (dir, bytes) => Info(model, dir, "vocab.json", bytes, "--text", Sentence)),
        new("merges", 2, [File.ReadAllBytes(model.Merges)], (m, b) => Utf8(m.Lines(Encoding.UTF8.GetString(b))),
            (dir, bytes) => Info(model, dir, "merges.txt", bytes, "--text", Sentence)),
        new("pickle", 3, [Pickle(model.Checkpoint)], (m, b) => m.Bytes(b),
            (dir, bytes) => Convert(model, dir, Repack(model.Checkpoint, bytes))),
        new("checkpoint-zip", 3, [File.ReadAllBytes(model.Checkpoint)], MutateZip,
            (dir, bytes) => Convert(model, dir, bytes)),
        new("gif", 2, [Gif(), HandGif()], (m, b) => m.Bytes(b),
            (dir, bytes) => Segment(model, dir, "input.gif", bytes)),
        new("png", 1, [Png(PngColorType.Rgb), Png(PngColorType.Palette), Png(PngColorType.GrayscaleWithAlpha)],
            MutatePng,
            (dir, bytes) => Segment(model, dir, "input.png", bytes)),
        new("jpeg", 1, [Jpeg()], (m, b) => m.Bytes(b), (dir, bytes) => Segment(model, dir, "input.jpg", bytes)),
        new("mask-png", 1, [Mask(palette: false), Mask(palette: true)], MutatePng, Score),
        new("dataset-json", 1, [Utf8(MetaExpressions)], (m, b) => Utf8(m.Json(Encoding.UTF8.GetString(b))),
            (dir, bytes) => Eval(model, dir, bytes)),
    ];

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>
    /// The header as JSON (with its length prefix kept right or not), the header's bytes, or the tensors' bytes.
    /// </summary>
    private static byte[] MutateSafeTensors(Mutator m, byte[] file)
    {
        long n = BitConverter.ToInt64(file);
        int how = m.Random.Next(3);
        if (how == 1 || n <= 0 || n > file.Length - 8) return m.Bytes(file, 0, (int)Math.Clamp(n + 8, 8, file.Length));
        if (how == 2) return m.Bytes(file, (int)(n + 8));
        var header = Utf8(m.Json(Encoding.UTF8.GetString(file, 8, (int)n)));
        var data = file.AsSpan(8 + (int)n);
        var result = new byte[8 + header.Length + data.Length];
        BitConverter.GetBytes(m.Random.Next(8) == 0 ? n : header.Length).CopyTo(result, 0);
        header.CopyTo(result, 8);
        data.CopyTo(result.AsSpan(8 + header.Length));
        return result;
    }

    /// <summary>
    /// Mostly the zip's structure: local headers and the central directory at the end, sometimes anywhere.
    /// </summary>
    private static byte[] MutateZip(Mutator m, byte[] zip) => m.Random.Next(3) switch
    {
        0 => m.Bytes(zip, Math.Max(0, zip.Length - 4096)),
        1 => m.Bytes(zip, 0, 512),
        _ => m.Bytes(zip),
    };

    /// <summary>
    /// Half the time with every chunk's CRC recomputed, so the mutation reaches the decoder instead of the CRC check.
    /// </summary>
    private static byte[] MutatePng(Mutator m, byte[] png)
    {
        var bytes = m.Bytes(png, 8);
        if (m.Random.Next(2) == 0) return bytes;
        for (int at = 8; at + 12 <= bytes.Length;)
        {
            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at));
            if (length < 0 || at + 12 + length > bytes.Length) break;
            uint crc = Robustness.HostileFiles.Crc32(bytes.AsSpan(at + 4, 4 + length));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at + 8 + length), crc);
            at += 12 + length;
        }
        return bytes;
    }

    private static string[] Info(MicroModel model, string dir, string file, byte[] bytes, params string[] more)
    {
        var folder = Directory.CreateDirectory(Path.Combine(dir, "model")).FullName;
        foreach (var f in Directory.GetFiles(model.Folder))
            if (Path.GetFileName(f) != file) File.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(f)), f);
        File.WriteAllBytes(Path.Combine(folder, file), bytes);
        return ["info", folder, .. more];
    }

    private static string[] Convert(MicroModel model, string dir, byte[] checkpoint)
    {
        var path = Path.Combine(dir, "model.pth.tar");
        File.WriteAllBytes(path, checkpoint);
        return ["convert", path, "--config", model.ConfigPath, "--vocab", model.Vocab, "--merges", model.Merges,
            "--out", Path.Combine(dir, "out")];
    }

    private static string[] Segment(MicroModel model, string dir, string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return ["segment", "--model", model.Folder, "--text", "the red ball", "--input", path, "--out",
            Path.Combine(dir, "out"),
            "--backend", "cpu", "--clip", "2", "--threads", "1"];
    }

    /// <summary>A ground-truth mask and the mutated prediction of the same frame, scored.</summary>
    private static string[] Score(string dir, byte[] prediction)
    {
        var gt = Directory.CreateDirectory(Path.Combine(dir, "gt", "seq")).FullName;
        var pred = Directory.CreateDirectory(Path.Combine(dir, "pred", "seq")).FullName;
        File.WriteAllBytes(Path.Combine(gt, "00000.png"), Mask(palette: false));
        File.WriteAllBytes(Path.Combine(pred, "00000.png"), prediction);
        return ["score", "--gt", Path.GetDirectoryName(gt)!, "--pred", Path.GetDirectoryName(pred)!];
    }

    /// <summary>A 24x18 mask PNG: 0/255 gray, or object ids over the DAVIS palette.</summary>
    private static byte[] Mask(bool palette)
    {
        var pixels = new byte[24 * 18];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i % 24 is > 6 and < 15 ? palette ? 1 : 255 : 0);
        var path = Path.GetTempFileName();
        try
        {
            LabelPng.Write(path, pixels, 24, 18, palette ? LabelPng.DavisPalette() : default);
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }

    /// <summary>MeViS's layout: one video of two frames, two expressions (no ground truth: valid).</summary>
    private const string MetaExpressions = """
        {"videos": {"v0": {"frames": ["00000", "00001"], "expressions": {
            "0": {"exp": "the red ball", "anno_id": ["3"], "obj_id": [1]},
            "1": {"exp": "a cat", "anno_id": [4, 5]}}}}}
        """;

    /// <summary>
    /// <c>mrvs eval</c> of a dataset with the mutated meta_expressions.json. The output is named "run", not "out": a
    /// failed evaluation keeps its run folder (finished videos, for --resume), checked only for staging leftovers.
    /// </summary>
    private static string[] Eval(MicroModel model, string dir, byte[] meta)
    {
        var split = Directory.CreateDirectory(Path.Combine(dir, "data", "valid")).FullName;
        File.WriteAllBytes(Path.Combine(split, "meta_expressions.json"), meta);
        var frames = Directory.CreateDirectory(Path.Combine(split, "JPEGImages", "v0")).FullName;
        foreach (var f in new[] { "00000", "00001" }) File.WriteAllBytes(Path.Combine(frames, f + ".jpg"), Jpeg());
        return ["eval", "--dataset", "mevis", "--root", Path.Combine(dir, "data"), "--model", model.Folder,
            "--out", Path.Combine(dir, "run"), "--backend", "cpu", "--threads", "1"];
    }

    private static byte[] Pickle(string checkpoint)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(checkpoint);
        using var s = zip.GetEntry("archive/data.pkl")!.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>The checkpoint with its data.pkl replaced (entries rewritten with correct sizes and CRCs).</summary>
    private static byte[] Repack(string checkpoint, byte[] pickle)
    {
        using var source = System.IO.Compression.ZipFile.OpenRead(checkpoint);
        using var ms = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Create,
            leaveOpen: true))
            foreach (var e in source.Entries)
            {
                using var to = zip.CreateEntry(e.FullName, System.IO.Compression.CompressionLevel.NoCompression).Open();
                if (e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)) to.Write(pickle);
                else
                {
                    using var from = e.Open();
                    from.CopyTo(to);
                }
            }
        return ms.ToArray();
    }

    private static byte[] Gif()
    {
        var path = Path.GetTempFileName();
        try
        {
            AnimatedGifWriter.Write(path, TestFrames.Noise(3, 24, 18), 10);
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }

    /// <summary>Frames smaller than the canvas at offsets, over a global palette.</summary>
    private static byte[] HandGif()
    {
        var path = Path.GetTempFileName();
        try
        {
            HandWrittenGif.Write(path, 8, 6, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255],
                new HandWrittenGif.Frame(0, 0, 8, 6, new byte[48]),
                new HandWrittenGif.Frame(2, 1, 3, 2, [1, 2, 3, 1, 2, 3]),
                new HandWrittenGif.Frame(5, 4, 3, 2, [3, 3, 3, 3, 3, 3], 20));
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }

    private static Image<Rgb24> Noise() => Image.LoadPixelData<Rgb24>(TestFrames.NoiseFrame(7, 32, 24).Rgb, 32, 24);

    private static byte[] Png(PngColorType colour)
    {
        using var image = Noise();
        using var ms = new MemoryStream();
        image.SaveAsPng(ms, new PngEncoder { ColorType = colour });
        return ms.ToArray();
    }

    private static byte[] Jpeg()
    {
        using var image = Noise();
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms);
        return ms.ToArray();
    }
}
