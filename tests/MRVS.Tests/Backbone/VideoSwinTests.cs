using MRVS.Core.Graph;
using MRVS.Core.Tensors;
using MRVS.Models.Backbone;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Tests.Support;

namespace MRVS.Tests.Backbone;

public class VideoSwinTests
{
    /// <summary>
    /// Every backbone tensor the fixture holds (soc-tiny-t10 has no per-block outputs), from the input frames and mask.
    /// </summary>
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void EveryBackboneTensorMatchesTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        using var frames = f.Inputs.Get("samples.tensors");
        int t = frames.Shape[0], h = frames.Shape[3], w = frames.Shape[4];
        var output =
            VideoSwinTransformer.Build(f.Builder, f.Feed("samples.tensors", t, 3, h, w),
                f.Feed("samples.mask", t, h, w));
        var compared = f.RunAndCompare();
        var expected = f.Outputs.Tensors.Select(x => x.Name).Where(n =>
            n.StartsWith("backbone.", StringComparison.Ordinal)).ToList();
        Assert.That(expected, Has.Count.GreaterThanOrEqualTo(12));
        Assert.That(compared, Is.SupersetOf(expected), "every backbone tensor of the fixture is compared");
        Assert.That(output.Features.Select(v => v.Name),
            Is.EqualTo(Enumerable.Range(0, 4).Select(s => $"backbone.out.{s}")));
    }

    private static GraphBuilder Builder(ModelConfig config) => new(config, WeightStore.Synthetic(3));

    /// <summary>
    /// The released Video-Swin-T/S/B build with the same code; T = 9 > 8 exercises the temporal padding and shift.
    /// </summary>
    [Category(TestCategory.Long)]
    [TestCase("t", 96, 12)]
    [TestCase("s", 96, 24)]
    [TestCase("b", 128, 24)]
    public void ReleasedSwinSizesBuild(string size, int c0, int blocks)
    {
        var b = Builder(ModelVariants.Build($"soc-swin-{size}", ModelFamily.Soc, size));
        var output =
            VideoSwinTransformer.Build(b, b.Graph.Input("frames", DType.F32, 9, 3, 66, 90),
                b.Graph.Input("mask", DType.Bool, 9, 66, 90));
        int[][] sizes = [[17, 23], [9, 12], [5, 6], [3, 3]];
        for (int s = 0; s < 4; s++)
        {
            Assert.That(output.Features[s].Shape, Is.EqualTo(new[] { 9, c0 << s, sizes[s][0], sizes[s][1] }),
                $"stage {s} features");
            Assert.That(output.Masks[s].Type, Is.EqualTo(new TensorType(DType.Bool, [9, sizes[s][0], sizes[s][1]])),
                $"stage {s} mask");
        }
        Assert.That(b.Graph.TapNames.Count(n => n.EndsWith(".out", StringComparison.Ordinal) && n.Contains(".blocks.")),
            Is.EqualTo(blocks));
        Assert.That(b.Weights.BindingProblems, Is.Empty);
        // Stage 0: window (8, 7, 7) on 9 × 17 × 23 padded to 16 × 21 × 28, 2 · 3 · 4 windows, shifted on every
        // axis.
        var regions = b.Graph.Values.Single(v => v.Name == "backbone.0.body.layers.0.shift_regions");
        Assert.That(regions.Shape, Is.EqualTo(new[] { 24, 392 }));
    }

    [Test]
    public void FramesWithoutThreeChannelsAreRejectedInModelTerms()
    {
        var b = Builder(ModelVariants.Build("soc-swin-t", ModelFamily.Soc, "t"));
        var ex = Assert.Throws<ShapeException>(() =>
            VideoSwinTransformer.Build(b, b.Graph.Input("frames", DType.F32, 2, 4, 32, 32),
                b.Graph.Input("mask", DType.Bool, 2, 32, 32)));
        Assert.That(ex!.Message, Does.Contain("frames are F32[2, 4, 32, 32], expected F32[T, 3, H, W]"));
    }

    [Test]
    public void AMaskOfAnotherSizeIsRejectedInModelTerms()
    {
        var b = Builder(ModelVariants.Build("soc-swin-t", ModelFamily.Soc, "t"));
        var ex = Assert.Throws<ShapeException>(() =>
            VideoSwinTransformer.Build(b, b.Graph.Input("frames", DType.F32, 2, 3, 32, 30),
                b.Graph.Input("mask", DType.Bool, 2, 32, 32)));
        Assert.That(ex!.Message, Does.Contain("expected Bool[2, 32, 30]"));
    }

    [Test]
    public void ATemporalPatchIsRejected()
    {
        var config = ModelVariants.Build("soc-swin-t", ModelFamily.Soc, "t");
        var b = Builder(config with { Swin = config.Swin with { PatchSize = [2, 4, 4] } });
        var ex = Assert.Throws<ModelConfigException>(() =>
            VideoSwinTransformer.Build(b, b.Graph.Input("frames", DType.F32, 2, 3, 32, 32),
                b.Graph.Input("mask", DType.Bool, 2, 32, 32)));
        Assert.That(ex!.Message, Does.Contain("patch_size [2, 4, 4]"));
    }
}
