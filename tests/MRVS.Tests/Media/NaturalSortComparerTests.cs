using MRVS.Pipeline.Media;

namespace MRVS.Tests.Media;

public class NaturalSortComparerTests
{
    private static string[] Sorted(params string[] names) => names.OrderBy(n => n,
        NaturalSortComparer.Instance).ToArray();

    [Test]
    public void NumbersCompareByValue() =>
        Assert.That(Sorted("frame10.png", "frame2.png", "frame1.png", "frame100.png"),
            Is.EqualTo(new[] { "frame1.png", "frame2.png", "frame10.png", "frame100.png" }));

    [Test]
    public void ZeroPaddedNamesKeepTheirOrder() =>
        Assert.That(Sorted("00010.jpg", "00002.jpg", "00001.jpg"), Is.EqualTo(new[] { "00001.jpg", "00002.jpg",
            "00010.jpg" }));

    [Test]
    public void TextComparesCaseInsensitivelyAndPrefixesComeFirst() =>
        Assert.That(Sorted("b1", "A2", "a10", "a"), Is.EqualTo(new[] { "a", "A2", "a10", "b1" }));

    [Test]
    public void NumbersLongerThanALongStillCompareByValue() =>
        Assert.That(Sorted("x123456789012345678901", "x99999999999999999999"),
            Is.EqualTo(new[] { "x99999999999999999999", "x123456789012345678901" }));

    [Test]
    public void EqualValuesWithDifferentPaddingAreStillOrdered()
    {
        Assert.That(NaturalSortComparer.Instance.Compare("f01", "f1"), Is.Not.Zero);
        Assert.That(NaturalSortComparer.Instance.Compare("f01", "f1"),
            Is.EqualTo(-NaturalSortComparer.Instance.Compare("f1", "f01")));
    }
}
