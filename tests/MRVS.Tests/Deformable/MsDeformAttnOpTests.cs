using MRVS.Core.Graph.Ops;
using MRVS.Core.IO;
using MRVS.Tests.Support;

namespace MRVS.Tests.Deformable;

/// <summary>
/// The deformable-attention core against the standalone op cases (fixtures/ops/msda), float32 vs the float64 reference.
/// </summary>
public class MsDeformAttnOpTests
{
    [TestCase("small")]
    [TestCase("tiny-model-shapes")]
    [TestCase("realistic-360x640")]
    public void MatchesTheFloat64Reference(string name)
    {
        using var file = SafeTensorsFile.Open(Fixtures.File("ops/msda", $"{name}.safetensors"));
        using var shapes = file.Get("spatial_shapes");
        var s = shapes.Span<long>().ToArray();
        var levels = Enumerable.Range(0, shapes.Shape[0]).Select(l =>
            new[] { (int)s[2 * l], (int)s[2 * l + 1] }).ToArray();
        var y = OpRunner.Run(new MsDeformAttnOp(levels), file.Get("value"), file.Get("sampling_locations"),
            file.Get("attention_weights"));
        using var expected = file.Get("output_f64");
        var e = expected.ToDoubleArray();
        double tol = 2e-5 * Math.Max(1, e.Max(Math.Abs));
        Assert.That(TensorAssert.MaxAbsDiff(y, expected), Is.LessThanOrEqualTo(tol));
    }
}
