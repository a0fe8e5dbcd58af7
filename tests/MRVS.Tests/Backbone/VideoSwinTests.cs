using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Backbone;
using MRVS.Tests.Support;

namespace MRVS.Tests.Backbone;

public class VideoSwinTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void EveryBackboneTensorMatchesTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        using var frames = f.Inputs.Get("samples.tensors");
        int t = frames.Shape[0], h = frames.Shape[3], w = frames.Shape[4];
        VideoSwinTransformer.Build(f.Builder, f.Feed("samples.tensors", t, 3, h, w), f.Feed("samples.mask", t, h, w));
        var compared = f.RunAndCompare();
        Assert.That(compared, Does.Contain("backbone.out.3").And.Contain("backbone.mask.0"));
    }

    [Test]
    public void ShiftMaskOfAnUnshiftedAxisIsTwoDimensional()
    {
        var win = SwinWindowTables.Clip([8, 7, 7], [4, 3, 3], 4, 14, 14);
        Assert.That(win.Size, Is.EqualTo(new[] { 4, 7, 7 }));
        Assert.That(win.Shift, Is.EqualTo(new[] { 0, 3, 3 }));
        var mask = SwinWindowTables.ShiftMask(win, 4, 14, 14).Span<float>();
        int n = win.Tokens;
        // Window 0 lies in region (2, 0, 0) only: no masking inside it.
        for (int i = 0; i < n * n; i++) Assert.That(mask[i], Is.EqualTo(0f));
        // The last window covers y, x in [7, 14): rows/columns 7..10 are region 1, 11..13 region 2.
        int last = 3;
        Assert.That(mask[(last * n + 0) * n + 6], Is.EqualTo(-100f), "x = 7 vs x = 13");
        Assert.That(mask[(last * n + 0) * n + 7 * 3], Is.EqualTo(0f), "y = 7 vs y = 10, both region 1");
        Assert.That(mask[(last * n + 0) * n + 7 * 4], Is.EqualTo(-100f), "y = 7 vs y = 11");
    }

    [Test]
    public void RelativeBiasTakesTheTopLeftBlockOfTheFullIndex()
    {
        var table = Tensor.Zeros(DType.F32, 10, 2);
        var ts = table.Span<float>();
        for (int i = 0; i < ts.Length; i++) ts[i] = i;
        var index = Tensor.Zeros(DType.I64, 4, 4);
        var idx = index.Span<long>();
        for (int i = 0; i < 16; i++) idx[i] = (i * 7) % 10;
        var bias = SwinWindowTables.RelativeBias(table, index, 2, 3).Span<float>();
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    Assert.That(bias[(h * 3 + i) * 3 + j], Is.EqualTo(ts[(int)idx[i * 4 + j] * 2 + h]));
    }

    [Test]
    public void PartitionAndMergeAreInverseWithShiftAndPadding()
    {
        var rng = new Random(5);
        var x = OpRunner.Random(rng, 3, 9, 10, 2);
        var win = new SwinWindow([2, 7, 7], [1, 3, 3]);
        var windows = OpRunner.Run(new SwinWindowPartitionOp(win), x);
        Assert.That(windows.Shape, Is.EqualTo(new[] { 2 * 2 * 2, 2 * 7 * 7, 2 }));
        var back = OpRunner.Run(new SwinWindowMergeOp(win, 3, 9, 10), windows);
        Assert.That(back.Span<float>().ToArray(), Is.EqualTo(x.Span<float>().ToArray()));
        // Token (0,0,0) of window 0 is the volume position (1, 3, 3) after the roll by −shift.
        Assert.That(windows.Span<float>()[0], Is.EqualTo(x.Span<float>()[((1 * 9 + 3) * 10 + 3) * 2]));
    }
}
