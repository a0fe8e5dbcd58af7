using System.Text;
using System.Text.Json.Nodes;
using MRVS.Core.IO;
using MRVS.Tests.IO;
using MRVS.Tests.Segmentation;
using MRVS.Tests.Support;

namespace MRVS.Tests.Robustness;

/// <summary>
/// Checkpoints, model files and config.json that are damaged, inconsistent or declare huge sizes (issue 10): each is
/// refused with one line naming the file and what is wrong, within a bounded memory, and nothing is written.
/// </summary>
[NonParallelizable]
public class HostileModelTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-hostile-model-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Out => Path.Combine(_dir, "out");

    private Mrvs.Result Convert(string checkpoint, params string[] more) =>
        Mrvs.Run(["convert", checkpoint, "--config", Fixtures.File("socpp-tiny", "config.json"), "--out", Out,
            .. more]);

    private void AssertNothingWritten()
    {
        Assert.That(Directory.Exists(Out), Is.False, "no output folder");
        Assert.That(Directory.GetDirectories(_dir, ".out.*"), Is.Empty, "no staging folder");
    }

    [Test]
    public void PickleOfRepeatedEmptyListsStopsAtTheOpcodeBudget()
    {
        // 40 million EMPTY_LIST opcodes compress to about 40 KB; run, they make 40 million lists.
        var pickle = new byte[40_000_003];
        pickle[0] = 0x80;
        pickle[1] = 2;
        pickle.AsSpan(2, 40_000_000).Fill((byte)']');
        pickle[^1] = (byte)'.';
        var ckpt = HostileFiles.Checkpoint(Path.Combine(_dir, "lists.pth"), pickle, compress: true);
        pickle = [];
        Assert.That(new FileInfo(ckpt).Length, Is.LessThan(100_000));
        Mrvs.Result r = default;
        long peak = PeakMemory.Above(() => r = Convert(ckpt));
        Mrvs.AssertFailure(r, "lists.pth", "MaxPickleOpcodes");
        AssertNothingWritten();
        Assert.That(peak, Is.LessThan(800 * PeakMemory.MiB), "peak memory");
    }

    [Test]
    public void ViewsOfOneHugeStorageAreNotReadBeforeShapesAreChecked()
    {
        // 30 model keys, each a view of the same 64 MiB all-zero storage (compressed to a few hundred KB).
        const int numel = 16 << 20;
        var keys = File.ReadLines(Fixtures.File("socpp-tiny", "keys.txt")).Take(30).Select(l
            => l.Split('\t')[0]).ToList();
        var p = new PickleBuilder().EmptyDict().Str("model_state_dict").OrderedDict().Mark();
        foreach (var k in keys) p.Str(k).Tensor("FloatStorage", "0", numel, 0, [numel], [1]);
        var ckpt = HostileFiles.Checkpoint(Path.Combine(_dir, "views.pth"), p.SetItems().SetItem().Stop().ToArray(),
            compress: true,
            ("0", new byte[numel * 4]));
        Mrvs.Result r = default;
        long peak = PeakMemory.Above(() => r = Convert(ckpt));
        Mrvs.AssertFailure(r, "views.pth", "weight problems");
        AssertNothingWritten();
        Assert.That(peak, Is.LessThan(300 * PeakMemory.MiB), "no tensor of the wrong shape is read");
    }

    /// <summary>The fixture's checkpoint with one bit of one stored weight flipped.</summary>
    [Test]
    public void FlippedBitInAStoredTensorFailsTheCrcCheck()
    {
        var bytes = File.ReadAllBytes(Fixtures.File("socpp-tiny", "checkpoint.pth.tar"));
        using (var weights = SafeTensorsFile.Open(Fixtures.File("socpp-tiny", "weights.safetensors")))
        {
            var w = weights.Get("class_embed.0.weight").Bytes.ToArray();
            bytes[HostileFiles.IndexOf(bytes, w) + 17] ^= 0x04;
        }
        var ckpt = Path.Combine(_dir, "flipped.pth.tar");
        File.WriteAllBytes(ckpt, bytes);
        Mrvs.AssertFailure(Convert(ckpt), "flipped.pth.tar", "CRC");
        AssertNothingWritten();
    }

    [Test]
    public void DamagedZipDirectoryIsNamed()
    {
        var bytes = File.ReadAllBytes(Fixtures.File("socpp-tiny", "checkpoint.pth.tar"));
        int eocd = bytes.AsSpan().LastIndexOf(new byte[] { (byte)'P', (byte)'K', 5, 6 });
        bytes[eocd + 8] ^= 0x3; // the entry counts (of this disk and in all): not the entries the directory holds
        bytes[eocd + 10] ^= 0x3;
        var ckpt = Path.Combine(_dir, "damaged.pth.tar");
        File.WriteAllBytes(ckpt, bytes);
        Mrvs.AssertFailure(Convert(ckpt), "damaged.pth.tar", "zip");
        AssertNothingWritten();
    }

    [Test]
    public void ControlBytesFromAPickleAreNotEchoed()
    {
        var pickle = new PickleBuilder().Global("os\x1b[31m",
            "sys\x07tem\x1b]0;pwned\x07").Mark().Str("x").Tuple().Reduce().Stop().ToArray();
        var ckpt = HostileFiles.Checkpoint(Path.Combine(_dir, "escape.pth"), pickle);
        Mrvs.AssertFailure(Convert(ckpt), "escape.pth", "os");
    }

    [Test]
    public void HundredsOfMismatchedKeysAreSummarisedOnOneShortLine()
    {
        var r = Mrvs.Run("convert", Fixtures.File("socpp-tiny", "checkpoint.pth.tar"), "--variant",
            "socpp-ytvos-swin-b", "--out", Out);
        var line = Mrvs.AssertFailure(r, "weight problems", "first");
        Assert.That(line.Length, Is.LessThan(2000));
        AssertNothingWritten();
    }

    private Mrvs.Result Info(string folder) => Mrvs.Run("info", folder);

    [TestCase("config.DeformTransformer.enc_layers", "1000000")]
    [TestCase("config.DeformTransformer.dec_layers", "10000")]
    [TestCase("config.num_proxy_query", "10000000")]
    [TestCase("swin.fields.window_size", "[1000, 1000, 1000]")]
    [TestCase("swin.fields.patch_size", "[1000000000, 4, 4]")]
    [TestCase("swin.fields.mlp_ratio", "1000000000.0")]
    [TestCase("config.DeformTransformer.d_model", "0")]
    [TestCase("config.DeformTransformer.nheads", "0")]
    [TestCase("swin.fields.num_heads", "[1, -2, 4, 8]")]
    [TestCase("roberta.fields.layer_norm_eps", "-1")]
    public void ConfigValueOutOfRangeIsNamed(string field, string value)
    {
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"),
            config: c => HostileFiles.Set(c, field, JsonNode.Parse(value)));
        Mrvs.Result r = default;
        long peak = PeakMemory.Above(() => r = Info(folder));
        Mrvs.AssertFailure(r, "config.json", field);
        Assert.That(peak, Is.LessThan(500 * PeakMemory.MiB), "peak memory");
    }

    /// <summary>Found by the fuzz suite: fields each in range that no model can be built with; the config is
    /// named.</summary>
    [Test]
    public void ConfigThatCannotBeBuiltIsNamed()
    {
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"),
            config: c => HostileFiles.Set(c, "swin.fields.patch_size", JsonNode.Parse("[1, 4, 1]")));
        Mrvs.AssertFailure(Info(folder), "config.json", "patch_size");
    }

    /// <summary>Found by the fuzz suite: an index buffer pointing outside its table; the weights file is
    /// named.</summary>
    [Test]
    public void IndexBufferOutsideItsTableIsNamed()
    {
        const string index = "backbone.0.body.layers.0.blocks.0.attn.relative_position_index";
        var weights = Weights(h => h, data =>
        {
            using var file = SafeTensorsFile.Open(Fixtures.File("socpp-tiny", "weights.safetensors"));
            var copy = (byte[])data.Clone();
            BitConverter.GetBytes(1L << 50).CopyTo(copy, (int)file.Info(index).Begin);
            return copy;
        });
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"), weights: weights);
        Mrvs.AssertFailure(Info(folder), "model.safetensors", index);
    }

    [Test]
    public void DuplicateKeyInConfigIsNamed()
    {
        var text = File.ReadAllText(Fixtures.File("socpp-tiny", "config.json"));
        int at = text.IndexOf("\"family\"", StringComparison.Ordinal);
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"),
            configText: text.Insert(at, "\"family\": \"soc\", "));
        Mrvs.AssertFailure(Info(folder), "config.json", "family");
    }

    [Test]
    public void BenchWithTooManyFramesIsALimitNotAnOverflow()
    {
        var r = Mrvs.Run("bench", "--config", Fixtures.File("soc-tiny", "config.json"), "--frames", "1000",
            "--backend", "cpu");
        Mrvs.AssertFailure(r, "1000");
    }

    /// <summary>
    /// The socpp-tiny weights with their header rewritten by <paramref name="edit"/> (a JSON text edit).
    /// </summary>
    private byte[] Weights(Func<string, string> edit, Func<byte[], byte[]>? data = null)
    {
        var bytes = File.ReadAllBytes(Fixtures.File("socpp-tiny", "weights.safetensors"));
        long n = BitConverter.ToInt64(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        var body = bytes[(8 + (int)n)..];
        return HostileFiles.SafeTensors(Encoding.UTF8.GetBytes(edit(header)), data?.Invoke(body) ?? body);
    }

    [Test]
    public void NonUtf8SafetensorsHeaderIsNamed()
    {
        var bytes = File.ReadAllBytes(Fixtures.File("socpp-tiny", "weights.safetensors"));
        long n = BitConverter.ToInt64(bytes);
        bytes[8 + n / 2] = 0xC3; // starts a two-byte sequence …
        bytes[8 + n / 2 + 1] = 0x28; // … that this byte cannot continue
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"), weights: bytes);
        Mrvs.AssertFailure(Info(folder), "model.safetensors", "UTF-8");
    }

    [Test]
    public void StringDataOffsetsAreNamed()
    {
        var weights = Weights(h =>
        {
            int at = h.IndexOf("\"data_offsets\":[", StringComparison.Ordinal) + "\"data_offsets\":[".Length;
            int comma = h.IndexOf(',', at);
            return h[..at] + "\"" + h[at..comma] + "\"" + h[comma..];
        });
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"), weights: weights);
        Mrvs.AssertFailure(Info(folder), "model.safetensors", "data_offsets");
    }

    [Test]
    public void DuplicateSafetensorsKeyIsRefused()
    {
        // The first tensor's entry repeated under its own name: which one holds the weight?
        var weights = Weights(h =>
        {
            int start = h.IndexOf('"', 1), end = h.IndexOf('}', start) + 1;
            return h.Insert(end, "," + h[start..end]);
        });
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"), weights: weights);
        Mrvs.AssertFailure(Info(folder), "model.safetensors", "twice");
    }

    [Test]
    public void GapInTheDataSectionIsRefused()
    {
        var weights = Weights(h => h, data => [.. data, .. new byte[64]]);
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"), weights: weights);
        Mrvs.AssertFailure(Info(folder), "model.safetensors", "bytes");
    }

    [Test]
    public void ShapeOverflowingSixtyFourBitsIsRefused()
    {
        // 65536^4 = 2^64 elements wrap to 0 in 64-bit arithmetic: the header would pass as an empty tensor.
        var header = Encoding.UTF8.GetBytes(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],\"data_offsets\":[0,0]}}");
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"),
            weights: HostileFiles.SafeTensors(header, []));
        Mrvs.AssertFailure(Info(folder), "model.safetensors", "'x'");
    }

    private string Gif()
    {
        var gif = Path.Combine(_dir, "clip.gif");
        MRVS.Pipeline.Media.AnimatedGifWriter.Write(gif, TestFrames.Noise(3, 64, 48), 10);
        return gif;
    }

    /// <summary>
    /// Weights that are NaN, or so large that the class logits overflow: refused, naming NaN/Inf, nothing written.
    /// </summary>
    [TestCase("nan")]
    [TestCase("huge")]
    public void NonFiniteWeightsOrScoresAreReportedAndNothingIsWritten(string kind)
    {
        var weights = Weights(h => h, data =>
        {
            using var file = SafeTensorsFile.Open(Fixtures.File("socpp-tiny", "weights.safetensors"));
            var copy = (byte[])data.Clone();
            foreach (var name in new[] { "class_embed.2.weight", "class_embed.2.bias" })
            {
                var info = file.Info(name);
                var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte,
                    float>(copy.AsSpan((int)info.Begin, (int)(info.End - info.Begin)));
                if (kind == "nan") values[0] = float.NaN;
                else values.Fill(3e38f);
            }
            return copy;
        });
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"), weights: weights);
        var r = Mrvs.Run("segment", "--model", folder, "--text", "the red ball", "--input", Gif(), "--out", Out,
            "--backend", "cpu");
        Mrvs.AssertFailure(r, kind == "nan" ? "NaN" : "NaN/Inf scores");
        AssertNothingWritten();
    }
}
