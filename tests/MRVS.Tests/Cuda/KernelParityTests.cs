using MRVS.Backends.Cpu;
using MRVS.Backends.Cuda.Parity;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.IO;
using MRVS.Tests.Support;

namespace MRVS.Tests.Cuda;

/// <summary>
/// Every CUDA kernel against its CPU reference op (<see cref="KernelParityCases"/>, what <c>mrvs kernels check</c>
/// runs) on each CUDA device present: the emulation, and the GPU when there is one.
/// </summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.CudaDevices))]
public class KernelParityTests(string device)
{
    private IBackend? _reference, _candidate;

    public static IEnumerable<TestCaseData> Cases() => KernelParityCases.All.Select(c => new TestCaseData(c)
        .SetName(c.Name));

    [OneTimeSetUp]
    public void CreateBackends()
    {
        _candidate = TestBackends.Create(device);
        _reference = new CpuBackend();
    }

    [OneTimeTearDown]
    public void DisposeBackends()
    {
        _candidate?.Dispose();
        _reference?.Dispose();
    }

    [TestCaseSource(nameof(Cases))]
    public void KernelMatchesCpuReference(KernelParityCase c)
    {
        var result = KernelParity.Check(c, _reference!, _candidate!);
        Assert.That(result.Passed, result.ToString());
    }

    [TestCase("small")]
    [TestCase("tiny-model-shapes")]
    [TestCase("realistic-360x640")]
    public void MsDeformAttnKernelMatchesTheFloat64Reference(string name)
    {
        using var file = SafeTensorsFile.Open(Fixtures.File("ops/msda", $"{name}.safetensors"));
        var s = file.Get("spatial_shapes").Span<long>().ToArray();
        var levels = Enumerable.Range(0, s.Length / 2).Select(l => new[] { (int)s[2 * l], (int)s[2 * l + 1] })
            .ToArray();
        var y = OpRunner.Run(_candidate!, new MsDeformAttnOp(levels), file.Get("value"), file.Get("sampling_locations"),
            file.Get("attention_weights"));
        using var expected = file.Get("output_f64");
        Assert.That(TensorAssert.MaxAbsDiff(y, expected), Is.LessThanOrEqualTo(2e-5
            * Math.Max(1, expected.ToDoubleArray().Max(Math.Abs))));
    }
}
