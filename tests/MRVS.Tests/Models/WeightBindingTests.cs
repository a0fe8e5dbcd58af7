using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Tests.Support;

namespace MRVS.Tests.Models;

public class WeightBindingTests
{
    private static readonly ForwardShape Shape = new(2, 64, 64, 5, 64, 64);

    [Test]
    public void EveryProblemIsNamedAtOnce()
    {
        var config = ModelConfig.Load(Fixtures.File("soc-tiny", "config.json"));
        using var file = SafeTensorsFile.Open(Fixtures.File("soc-tiny", "weights.safetensors"));
        var tensors = file.Tensors.ToDictionary(t => t.Name, t => file.Get(t.Name));
        tensors.Remove("voc.decoder_norm.weight");
        tensors["class_embed.0.weight"] = Tensor.Zeros(DType.F32, 2, 7);
        tensors["voc.extra.weight"] = Tensor.Zeros(DType.F32, 3);
        var e = Assert.Throws<WeightBindingException>(() => SocModel.Build(config, new WeightStore(tensors,
            "edited.safetensors"), Shape))!;
        Assert.That(e.Problems, Has.Count.EqualTo(3));
        Assert.That(e.Message, Does.Contain("edited.safetensors")
            .And.Contain("missing key 'voc.decoder_norm.weight'")
            .And.Contain("'class_embed.0.weight' is F32[2, 7], expected F32[1, 128]")
            .And.Contain("unexpected key 'voc.extra.weight'"));
    }

    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void FixtureWeightsBindWithoutProblems(string fixture)
    {
        var config = ModelConfig.Load(Fixtures.File(fixture, "config.json"));
        using var file = SafeTensorsFile.Open(Fixtures.File(fixture, "weights.safetensors"));
        Assert.DoesNotThrow(() => SocModel.Build(config, new WeightStore(file), Shape));
    }

    /// <summary>The layout a build asks for is the official state dict (keys.txt): names, dtypes, shapes,
    /// aliases.</summary>
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void LayoutIsTheOfficialStateDict(string fixture)
    {
        var store = WeightStore.Synthetic(1);
        SocModel.Build(ModelConfig.Load(Fixtures.File(fixture, "config.json")), store, ForwardShape.WeightBinding);
        static string Row(string key, string dtype, string shape, string? alias) =>
            $"{key}\t{dtype}\t{shape}{(alias is null ? "" : $"\talias-of:{alias}")}";
        var expected = File.ReadAllLines(Fixtures.File(fixture, "keys.txt")).Where(l =>
            l.Length > 0).Order(StringComparer.Ordinal);
        var layout = store.Layout.Select(s => Row(s.Key, s.DType == DType.F32 ? "float32" : "int64",
            MRVS.Core.Tensors.Shape.Format(s.Shape), s.AliasOf)).Order(StringComparer.Ordinal);
        Assert.That(layout, Is.EqualTo(expected));
    }

    /// <summary>A synthetic state dict has the fixture's keys, dtypes and shapes, its int64 buffers' values, and
    /// aliases share their target's tensor.</summary>
    [Test]
    public void SyntheticStateDictMatchesTheCheckpointLayout()
    {
        var config = ModelConfig.Load(Fixtures.File("socpp-tiny", "config.json"));
        using var file = SafeTensorsFile.Open(Fixtures.File("socpp-tiny", "weights.safetensors"));
        var made = SyntheticStateDict.Create(config, seed: 5);
        Assert.That(made.Keys.Order(StringComparer.Ordinal), Is.EqualTo(file.Tensors.Select(t =>
            t.Name).Order(StringComparer.Ordinal)));
        foreach (var info in file.Tensors)
        {
            Assert.That((made[info.Name].DType, made[info.Name].Shape), Is.EqualTo((info.DType, info.Shape)),
                info.Name);
            if (info.DType == DType.I64) Assert.That(made[info.Name].Bytes.ToArray(),
                Is.EqualTo(file.Get(info.Name).Bytes.ToArray()), info.Name);
        }
        Assert.That(made["transformer.decoder.bbox_embed.1.layers.2.weight"],
            Is.SameAs(made["bbox_embed.1.layers.2.weight"]));
    }

    [Test]
    public void SyntheticWeightsIndexTheConfiguredSwinWindow()
    {
        var fixture = ModelConfig.Load(Fixtures.File("socpp-tiny", "config.json"));
        var config = fixture with { Swin = fixture.Swin with { WindowSize = [2, 3, 3] } };
        Assert.DoesNotThrow(() => SocModel.Build(config, WeightStore.Synthetic(1, config.Swin.WindowSize), Shape));
        Assert.Throws<ArgumentException>(() => SocModel.Build(config, WeightStore.Synthetic(1), Shape),
            "the released (8, 7, 7) index does not fit");
    }

    [Category(TestCategory.Long)]
    [TestCase("socpp-mevis-swin-t")]
    [TestCase("socpp-ytvos-swin-b")]
    public void ReleasedVariantsBuildAtTheEvalSize(string variant)
    {
        var g = SocModel.Build(ModelVariants.Get(variant), WeightStore.Synthetic(1), new ForwardShape(8, 360, 640, 20,
            360, 640));
        Assert.That(g.Taps[SocModel.PredMasks].Shape, Is.EqualTo(new[] { 8, 1, 20, 90, 160 }));
    }
}
