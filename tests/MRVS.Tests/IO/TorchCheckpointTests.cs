using System.IO.Compression;
using MRVS.Core.IO;
using MRVS.Core.IO.Torch;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;

namespace MRVS.Tests.IO;

public class TorchCheckpointTests
{
    private static readonly string[] CheckpointFixtures = ["soc-tiny", "socpp-tiny"];

    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-torch").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [TestCaseSource(nameof(CheckpointFixtures))]
    public void ModelStateDictEqualsFixtureWeightsBitForBit(string fixture)
    {
        using var ckpt = TorchCheckpoint.Open(Fixtures.File(fixture, "checkpoint.pth.tar"));
        using var weights = SafeTensorsFile.Open(Fixtures.File(fixture, "weights.safetensors"));
        var state = ckpt.StateDict();
        Assert.That(state.Keys, Is.EquivalentTo(weights.Tensors.Select(t => t.Name)));
        Assert.That(state.Values.Select(t => t.DType).Distinct(), Is.EquivalentTo(new[] { DType.F32, DType.I64 }));
        foreach (var info in weights.Tensors)
        {
            using var expected = weights.Get(info.Name);
            var actual = state[info.Name];
            Assert.That(actual.DType, Is.EqualTo(expected.DType), info.Name);
            Assert.That(actual.Shape, Is.EqualTo(expected.Shape), info.Name);
            Assert.That(actual.Bytes.SequenceEqual(expected.Bytes), Is.True, $"bytes of {info.Name}");
        }
    }

    [TestCaseSource(nameof(CheckpointFixtures))]
    public void AliasedBoxHeadKeysReadTheSameData(string fixture)
    {
        using var ckpt = TorchCheckpoint.Open(Fixtures.File(fixture, "checkpoint.pth.tar"));
        var state = ckpt.StateDict();
        const string alias = "transformer.decoder.";
        var aliased = state.Keys.Where(k => k.StartsWith(alias + "bbox_embed.", StringComparison.Ordinal)).ToList();
        Assert.That(aliased, Is.Not.Empty);
        foreach (var key in aliased)
        {
            var original = state[key[alias.Length..]];
            Assert.That(state[key].Shape, Is.EqualTo(original.Shape), key);
            Assert.That(state[key].Bytes.SequenceEqual(original.Bytes), Is.True, key);
        }
    }

    [Test]
    public void TopLevelKeysAreTheSavedDictsInOrderAndStateDictIsCached()
    {
        using var ckpt = TorchCheckpoint.Open(Fixtures.File("soc-tiny", "checkpoint.pth.tar"));
        Assert.That(ckpt.TopLevelKeys, Is.EqualTo(new[] { "epoch", "model_state_dict" }));
        Assert.That(ckpt.StateDict(), Is.SameAs(ckpt.StateDict("model_state_dict")));
    }

    private static readonly float[] SixFloats = [0f, 1f, 2f, 3f, 4f, 5f];

    private string Checkpoint(byte[] pickle, params (string Key, byte[] Data)[] storages)
    {
        var path = Path.Combine(_dir, Guid.NewGuid() + ".pth");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Add(string name, byte[] data)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            s.Write(data);
        }
        Add("archive/data.pkl", pickle);
        foreach (var (key, data) in storages) Add($"archive/data/{key}", data);
        Add("archive/version", "3\n"u8.ToArray());
        return path;
    }

    private static byte[] Floats(float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>{'model_state_dict': OrderedDict(w=&lt;tensor&gt;)} around the given tensor pickle.</summary>
    private static byte[] StateDictPickle(Action<PickleBuilder> tensor, Action<PickleBuilder>? extra = null)
    {
        var p =
            new PickleBuilder().EmptyDict().Mark().Str("epoch").Int(7).Str("model_state_dict").OrderedDict().Str("w");
        tensor(p);
        p.SetItem();
        extra?.Invoke(p);
        return p.SetItems().Stop().ToArray();
    }

    private static string ErrorOf(TestDelegate action) => Assert.Throws<TorchFormatException>(action)!.Message;

    private static string OpenError(string path) => ErrorOf(() => TorchCheckpoint.Open(path).Dispose());

    private static string StateDictError(string path, string key = "model_state_dict")
    {
        using var ckpt = TorchCheckpoint.Open(path);
        return ErrorOf(() => ckpt.StateDict(key));
    }

    [Test]
    public void StridedViewIsReadAsAContiguousCopy()
    {
        // A 3x2 storage read through its transpose: size (2, 3), stride (1, 2).
        var path = Checkpoint(StateDictPickle(p => p.Tensor("FloatStorage", "0", 6, 0, [2, 3], [1, 2])), ("0",
            Floats(SixFloats)));
        using var ckpt = TorchCheckpoint.Open(path);
        var w = ckpt.StateDict()["w"];
        Assert.That(w.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(w.Span<float>().ToArray(), Is.EqualTo(new[] { 0f, 2f, 4f, 1f, 3f, 5f }));
    }

    [Test]
    public void StorageOffsetIsHonoured()
    {
        var path = Checkpoint(StateDictPickle(p => p.Tensor("FloatStorage", "0", 6, 2, [3], [1])), ("0",
            Floats(SixFloats)));
        using var ckpt = TorchCheckpoint.Open(path);
        Assert.That(ckpt.StateDict()["w"].Span<float>().ToArray(), Is.EqualTo(new[] { 2f, 3f, 4f }));
    }

    [Test]
    public void UnknownGlobalBesideTheStateDictFailsOnlyWhenRead()
    {
        // An lr scheduler's state holds a collections.Counter, which is not whitelisted.
        var path = Checkpoint(StateDictPickle(p => p.Tensor("FloatStorage", "0", 6, 0, [6], [1]),
            p => p.Str("scheduler_state_dict").Global("collections", "Counter").EmptyTuple().Reduce()), ("0",
                Floats(SixFloats)));
        using var ckpt = TorchCheckpoint.Open(path);
        Assert.That(ckpt.StateDict()["w"].Span<float>().ToArray(), Is.EqualTo(SixFloats));
        Assert.That(ErrorOf(() => ckpt.StateDict("scheduler_state_dict")),
            Does.Contain("'scheduler_state_dict'").And.Contain("collections.Counter").And.Contain("whitelist"));
    }

    [Test]
    public void UnknownGlobalAsTheSavedObjectIsNamedAndNotCalled()
    {
        var pickle = new PickleBuilder().Global("os",
            "system").Mark().Str("echo pwned").Tuple().Reduce().Stop().ToArray();
        Assert.That(OpenError(Checkpoint(pickle)), Does.Contain("'os.system'").And.Contain("expected a dict"));
    }

    [Test]
    public void UnknownGlobalInsideTheStateDictNamesEntryAndGlobal()
    {
        var path = Checkpoint(StateDictPickle(p => p.Global("builtins", "eval").Mark().Str("1").Tuple().Reduce()));
        Assert.That(StateDictError(path), Does.Contain("entry 'w'").And.Contain("'builtins.eval'"));
    }

    [Test]
    public void MissingModelStateDictListsTheKeys()
    {
        var pickle =
            new PickleBuilder().EmptyDict().Mark().Str("epoch").Int(3).Str("state_dict").OrderedDict().SetItems().Stop()
                .ToArray();
        Assert.That(StateDictError(Checkpoint(pickle)),
            Does.Contain("no top-level key 'model_state_dict'").And.Contain("'epoch', 'state_dict'"));
    }

    [Test]
    public void StateDictThatIsNotADictIsNamed()
    {
        var pickle = new PickleBuilder().EmptyDict().Str("model_state_dict").Int(3).SetItem().Stop().ToArray();
        Assert.That(StateDictError(Checkpoint(pickle)),
            Does.Contain("'model_state_dict' is an int, expected a dict of tensors"));
    }

    [Test]
    public void NotAZipIsNamed()
    {
        var path = Path.Combine(_dir, "weights.bin");
        File.WriteAllText(path, "hello, not a checkpoint");
        Assert.That(OpenError(path), Does.Contain(path).And.Contain("not a zip archive"));
    }

    [Test]
    public void PickleWithoutTorchMagicNumberIsRejected()
    {
        var path = Path.Combine(_dir, "plain.pkl");
        File.WriteAllBytes(path, new PickleBuilder().EmptyDict().Stop().ToArray());
        Assert.That(OpenError(path), Does.Contain("not a torch.save file").And.Contain("magic number"));
    }

    [Test]
    public void ZipWithoutDataPklIsNamed()
    {
        var path = Path.Combine(_dir, "other.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var s = zip.CreateEntry("archive/version").Open()) s.Write("3\n"u8);
        Assert.That(OpenError(path), Does.Contain("no '<archive>/data.pkl' entry").And.Contain("'archive/version'"));
    }

    [Test]
    public void TruncatedPickleIsNamed()
    {
        var whole = StateDictPickle(p => p.Tensor("FloatStorage", "0", 6, 0, [6], [1]));
        Assert.That(OpenError(Checkpoint(whole[..(whole.Length / 2)])),
            Does.Contain("archive/data.pkl").And.Contain("truncated"));
        Assert.That(OpenError(Checkpoint(whole[..^1])), Does.Contain("without a STOP opcode"));
    }

    [Test]
    public void UnsupportedOpcodeIsNamed()
    {
        var pickle = new PickleBuilder().Op('d').Stop().ToArray();
        Assert.That(OpenError(Checkpoint(pickle)), Does.Contain("unsupported pickle opcode 0x64"));
    }

    [Test]
    public void Int32StorageIsRejectedNamingTheTensor()
    {
        var path = Checkpoint(StateDictPickle(p => p.Tensor("IntStorage", "0", 6, 0, [6], [1])), ("0",
            Floats(SixFloats)));
        Assert.That(StateDictError(path),
            Does.Contain("entry 'w'").And.Contain("torch.IntStorage").And.Contain("no MRVS dtype"));
    }

    [Test]
    public void MissingStorageEntryIsNamed()
    {
        var path = Checkpoint(StateDictPickle(p => p.Tensor("FloatStorage", "0", 6, 0, [6], [1])));
        Assert.That(StateDictError(path), Does.Contain("entry 'w'").And.Contain("'archive/data/0' is missing"));
    }

    [Test]
    public void ViewPastTheStorageIsNamed()
    {
        var path = Checkpoint(StateDictPickle(p => p.Tensor("FloatStorage", "0", 6, 4, [3], [1])), ("0",
            Floats(SixFloats)));
        Assert.That(StateDictError(path),
            Does.Contain("entry 'w'").And.Contain("reach element 6").And.Contain("holds 6"));
    }

    [Test]
    public void StorageEntryOfTheWrongSizeIsNamed()
    {
        var path = Checkpoint(StateDictPickle(p => p.Tensor("FloatStorage", "0", 6, 0, [6], [1])), ("0", Floats([1f,
            2f])));
        Assert.That(StateDictError(path), Does.Contain("holds 8 bytes, expected 6 x 4"));
    }
}
