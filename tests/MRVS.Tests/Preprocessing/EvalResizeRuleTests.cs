using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;

namespace MRVS.Tests.Preprocessing;

public class EvalResizeRuleTests
{
    private static readonly EvalResizeRule Ytvos = EvalResizeRule.ReferYouTubeVos;

    [TestCase(1280, 720, 360, 640, TestName = "720p: the short side becomes 360")]
    [TestCase(1920, 1080, 360, 640, TestName = "1080p: 1920/1080*360 is exactly 640, not above the max")]
    [TestCase(640, 480, 360, 480, TestName = "4:3: long side int(360*640/480)")]
    [TestCase(720, 1280, 640, 360, TestName = "portrait 720x1280")]
    [TestCase(500, 333, 360, 540, TestName = "truncation: int(360*500/333) = int(540.54)")]
    public void ShortSideBecomes360(int width, int height, int outHeight, int outWidth) =>
        Assert.That(Ytvos.OutputSize(width, height), Is.EqualTo((outHeight, outWidth)));

    [TestCase(640, 360)]
    [TestCase(480, 360)]
    [TestCase(360, 360)]
    [TestCase(360, 500, TestName = "portrait with a 360 short side")]
    public void ShortSideAlready360IsUnchanged(int width, int height) =>
        Assert.That(Ytvos.OutputSize(width, height), Is.EqualTo((height, width)));

    // 1280/717*360 = 642.7 > 640, so s = round(640*717/1280) = round(358.5) = 358 (ties to even; away from zero
    // would give 359), and the long side is int(358*1280/717) = int(639.107) = 639.
    [Test]
    public void MaxSizeBranchRoundsTiesToEvenDown() => Assert.That(Ytvos.OutputSize(1280, 717), Is.EqualTo((358, 639)));

    // 1280/719*360 = 640.9 > 640: s = round(359.5) = 360 (even), long side int(360*1280/719) = int(640.89) = 640.
    [Test]
    public void MaxSizeBranchRoundsTiesToEvenUp() => Assert.That(Ytvos.OutputSize(1280, 719), Is.EqualTo((360, 640)));

    // 576/320*360 = 648 > 640: s = round(640*320/576) = round(355.6) = 356, long side int(356*576/320) = 640.
    [Test]
    public void WideFrameIsLimitedByTheMaxSize() => Assert.That(Ytvos.OutputSize(576, 320), Is.EqualTo((356, 640)));

    [Test]
    public void A2DClipsOf320x576AreUnchanged()
    {
        Assert.That(EvalResizeRule.A2D.OutputSize(576, 320), Is.EqualTo((320, 576)));
        Assert.That(EvalResizeRule.A2D.OutputSize(320, 240), Is.EqualTo((320, 426)));
    }

    [Test]
    public void ExtremeAspectRatioIsAClearError()
    {
        var e = Assert.Throws<MediaException>(() => Ytvos.OutputSize(5000, 2))!;
        Assert.That(e.Message, Does.Contain("5000x2"));
    }
}
