using System.IO.Compression;
using MRVS.Core.IO.Torch;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Pipeline;
using MRVS.Pipeline.Conversion;
using MRVS.Tests.Support;

namespace MRVS.Tests.IO;

/// <summary>
/// `mrvs convert` on the checkpoint layouts met in practice, each built here from the soc-tiny fixture checkpoint's
/// tensors: the legacy (non-zip) torch.save format, keys prefixed with 'module.' (DDP), a bare state dict, and thop's
/// total_ops / total_params counters. Each must give the same model folder, byte for byte, as the official checkpoint.
/// </summary>
public class CheckpointVariantsTests
{
    private sealed record Entry(string Name, DType DType, long[] Shape, byte[] Data);

    private string _dir = "";
    private List<Entry> _entries = null!;
    private ModelConfig _config = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("mrvs-ckpt-variants").FullName;
        _config = ModelConfig.Load(Fixtures.File("soc-tiny", "config.json"));
        using var ckpt = TorchCheckpoint.Open(Fixtures.File("soc-tiny", "checkpoint.pth.tar"));
        _entries = ckpt.StateDict().Select(kv => new Entry(kv.Key, kv.Value.DType,
            kv.Value.Shape.Select(d => (long)d).ToArray(), kv.Value.Bytes.ToArray())).ToList();
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private static string StorageType(DType d) => d switch
    {
        DType.F32 => "FloatStorage",
        DType.I64 => "LongStorage",
        DType.F64 => "DoubleStorage",
        _ => throw new ArgumentException($"no storage type for {d}"),
    };

    private static long[] Strides(long[] shape)
    {
        var s = new long[shape.Length];
        long step = 1;
        for (int d = shape.Length - 1; d >= 0; d--) { s[d] = step; step *= shape[d]; }
        return s;
    }

    /// <summary>The state dict pickle: OrderedDict of tensors, each on its own storage named by its index.</summary>
    private static void StateDict(PickleBuilder p, IReadOnlyList<Entry> entries, bool legacy)
    {
        p.OrderedDict().Mark();
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            int numel = (int)(e.Data.Length / e.DType.Size());
            p.Str(e.Name).Tensor(StorageType(e.DType), $"{i}", numel, 0, e.Shape, Strides(e.Shape), legacy);
        }
        p.SetItems();
    }

    private static byte[] Pickle(IReadOnlyList<Entry> entries, bool bare, bool legacy)
    {
        var p = new PickleBuilder();
        if (bare) StateDict(p, entries, legacy);
        else
        {
            p.EmptyDict().Mark().Str("epoch").Int(7).Str("model_state_dict");
            StateDict(p, entries, legacy);
            p.SetItems();
        }
        return p.Stop().ToArray();
    }

    private string Variant(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    private string Zip(string name, IReadOnlyList<Entry> entries, bool bare = false)
    {
        var path = Path.Combine(Variant(name), "checkpoint.pth.tar");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Add(string entry, byte[] data)
        {
            using var s = zip.CreateEntry(entry, CompressionLevel.NoCompression).Open();
            s.Write(data);
        }
        Add("checkpoint/data.pkl", Pickle(entries, bare, legacy: false));
        for (int i = 0; i < entries.Count; i++) Add($"checkpoint/data/{i}", entries[i].Data);
        Add("checkpoint/version", "3\n"u8.ToArray());
        return path;
    }

    /// <summary>
    /// serialization.py's _legacy_save: magic, protocol, sys_info, object, sorted storage keys, then each storage.
    /// </summary>
    private string Legacy(string name, IReadOnlyList<Entry> entries)
    {
        var path = Path.Combine(Variant(name), "checkpoint.pth.tar");
        using var f = File.Create(path);
        f.Write(new PickleBuilder().Op(0x8a).Raw(10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).Stop()
            .ToArray());
        f.Write(new PickleBuilder().Int(1001).Stop().ToArray());
        f.Write(new PickleBuilder().EmptyDict().Mark().Str("protocol_version").Int(1001).Str("little_endian").True()
            .Str("type_sizes").EmptyDict().Mark().Str("short").Int(2).Str("int").Int(4).Str("long").Int(8).SetItems()
            .SetItems().Stop().ToArray());
        f.Write(Pickle(entries, bare: false, legacy: true));
        var keys = Enumerable.Range(0, entries.Count).Select(i => $"{i}").Order(StringComparer.Ordinal).ToList();
        f.Write(new PickleBuilder().StrList(keys).Stop().ToArray());
        foreach (var key in keys)
        {
            var e = entries[int.Parse(key)];
            f.Write(BitConverter.GetBytes((long)(e.Data.Length / e.DType.Size())));
            f.Write(e.Data);
        }
        return path;
    }

    private string Convert(string checkpoint)
    {
        var output = Path.Combine(Path.GetDirectoryName(checkpoint)!, "model");
        CheckpointConverter.Convert(checkpoint, _config, output);
        return output;
    }

    private void AssertSameFolder(string expected, string actual)
    {
        foreach (var file in new[] { ModelFolder.WeightsFile, ModelFolder.ConfigFile })
            Assert.That(File.ReadAllBytes(Path.Combine(actual, file)),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(expected, file))), file);
        Assert.That(Directory.GetFiles(actual).Select(Path.GetFileName),
            Is.EquivalentTo(Directory.GetFiles(expected).Select(Path.GetFileName)));
    }

    private string Reference()
    {
        var official = Path.Combine(Variant("official"), "checkpoint.pth.tar");
        File.Copy(Fixtures.File("soc-tiny", "checkpoint.pth.tar"), official);
        return Convert(official);
    }

    [Test]
    public void HandBuiltZipEqualsTheFixtureCheckpoint() =>
        AssertSameFolder(Reference(), Convert(Zip("zip", _entries)));

    [Test]
    public void LegacyFormatGivesTheSameModelFolder() =>
        AssertSameFolder(Reference(), Convert(Legacy("legacy", _entries)));

    [Test]
    public void DdpModulePrefixIsRemoved() =>
        AssertSameFolder(Reference(),
            Convert(Zip("ddp", _entries.Select(e => e with { Name = "module." + e.Name }).ToList())));

    [Test]
    public void BareStateDictIsAccepted() => AssertSameFolder(Reference(), Convert(Zip("bare", _entries, bare: true)));

    [Test]
    public void ProfilerCountersAreDropped()
    {
        // thop registers float64 buffers of one element on every module, and on the model itself.
        var counters = new[] { "total_ops", "total_params", "backbone.total_ops", "class_embed.0.total_params" }
            .Select(n => new Entry(n, DType.F64, [1], BitConverter.GetBytes(123.0)));
        var reference = Reference();
        AssertSameFolder(reference, Convert(Zip("thop", _entries.Concat(counters).ToList())));
        AssertSameFolder(reference, Convert(Legacy("thop-legacy", counters.Concat(_entries).ToList())));
    }

    [Test]
    public void LegacyFileCutShortNamesTheStorage()
    {
        var path = Legacy("cut", _entries);
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(f.Length - 3);
        var e = Assert.Throws<TorchFormatException>(() => TorchCheckpoint.Open(path).Dispose());
        Assert.That(e!.Message, Does.Contain("legacy torch.save format").And.Contain("truncated"));
    }

    [Test]
    public void HundredsOfWrongKeysGiveOneShortLine()
    {
        // Another prefix than DDP's on every key: each weight is missing and each key unexpected, hundreds of each.
        int n = _entries.Count;
        var path = Zip("prefixed", _entries.Select(e => e with { Name = "model." + e.Name }).ToList());
        var output = Path.Combine(_dir, "prefixed-out");
        var e = Assert.Throws<WeightBindingException>(() => CheckpointConverter.Convert(path, _config, output))!;
        Assert.That(e.Problems.Count(p => p.Kind == WeightProblemKind.Unexpected), Is.EqualTo(n));
        int missing = e.Problems.Count(p => p.Kind == WeightProblemKind.Missing);
        Assert.That(missing, Is.GreaterThan(100));
        Assert.That(e.Message, Does.Not.Contain("\n"));
        Assert.That(e.Message, Does.Contain($"{missing} missing").And.Contain($"{n} unexpected"));
        Assert.That(e.Message.Split("; ").Length, Is.EqualTo(WeightBindingException.Listed + 1),
            "the first few, then …");
        Assert.That(e.Message.Length, Is.LessThan(1000));
        Assert.That(Directory.Exists(output), Is.False, "nothing written");
    }
}
