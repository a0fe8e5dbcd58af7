using MRVS.Core.Tensors;

namespace MRVS.Tests.Support;

/// <summary>Comparisons with the fixtures' recommended tolerance: max|a − b| ≤ 1e-4 · max|b| + 1e-6 per
/// tensor.</summary>
public static class TensorAssert
{
    public const double RelativeToScale = 1e-4, Absolute = 1e-6;

    public static double MaxAbsDiff(Tensor actual, Tensor expected)
    {
        var a = actual.ToDoubleArray();
        var b = expected.ToDoubleArray();
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    public static void Close(Tensor actual, Tensor expected, string name, double relativeToScale = RelativeToScale)
    {
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape), $"{name}: shape");
        var b = expected.ToDoubleArray();
        double scale = b.Length == 0 ? 0 : b.Max(Math.Abs);
        double diff = MaxAbsDiff(actual, expected);
        Assert.That(diff, Is.LessThanOrEqualTo(relativeToScale * scale + Absolute),
            $"{name}: max abs diff {diff:E3} (scale {scale:E3})");
    }

    public static void Equal(Tensor actual, Tensor expected, string name)
    {
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape), $"{name}: shape");
        Assert.That(actual.ToDoubleArray(), Is.EqualTo(expected.ToDoubleArray()), $"{name}: values");
    }

    /// <summary>Element-wise against a float64 reference: |a − e| ≤ tol · max(1, max|e|).</summary>
    public static void Near(Tensor actual, double[] expected, double tol = 1e-5)
    {
        var a = actual.ToDoubleArray();
        Assert.That(a, Has.Length.EqualTo(expected.Length), "element count");
        double scale = Math.Max(1, expected.Length == 0 ? 0 : expected.Max(Math.Abs));
        for (int i = 0; i < a.Length; i++) Assert.That(a[i], Is.EqualTo(expected[i]).Within(tol * scale),
            $"element {i}");
    }
}
