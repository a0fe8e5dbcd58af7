using MRVS.Core.Config;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
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
        var e = Assert.Throws<WeightBindingException>(() => SocModel.Build(config, new WeightStore(tensors, "edited.safetensors"), Shape))!;
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

    [TestCase("socpp-mevis-swin-t")]
    [TestCase("socpp-ytvos-swin-b")]
    public void ReleasedVariantsBuildAtTheEvalSize(string variant)
    {
        var g = SocModel.Build(ModelVariants.Get(variant), WeightStore.Synthetic(1), new ForwardShape(8, 360, 640, 20, 360, 640));
        Assert.That(g.Taps[SocModel.PredMasks].Shape, Is.EqualTo(new[] { 8, 1, 20, 90, 160 }));
    }
}
