using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Interop;
using MRVS.Core.Execution;
using MRVS.Tests.Support;

namespace MRVS.Tests.Cuda;

/// <summary>The real GPU path; runs only where a CUDA driver and device exist.</summary>
public class GpuTests
{
    [Category(TestCategory.EndToEnd)]
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void GpuReproducesEveryFixtureTensor(string fixture)
    {
        using var backend = new CudaBackend(Gpu());
        FixtureVerification.AssertPasses(fixture, backend);
    }

    [Category(TestCategory.EndToEnd)]
    [TestCase("socpp-tiny", Precision.Fp16)]
    [TestCase("socpp-tiny", Precision.Bf16)]
    [TestCase("soc-tiny", Precision.Fp16)]
    [TestCase("soc-tiny", Precision.Bf16)]
    public void GpuReducedPrecisionMasksKeepTheirIou(string fixture, Precision precision)
    {
        using var backend = new CudaBackend(Gpu(), precision);
        ReducedPrecisionTests.AssertMasksKeepTheirIou(fixture, backend);
    }

    private static CudaDevice Gpu()
    {
        try { return new CudaDevice(); }
        catch (CudaUnavailableException) { Assert.Ignore("skipped: no CUDA device"); throw; }
    }

    [Test]
    public void MissingDriverIsOneClearSentence()
    {
        if (NativeLibraries.IsAvailable(NativeLibraries.Cuda))
            Assert.Ignore("skipped: a CUDA driver is installed here");
        var e = Assert.Throws<CudaUnavailableException>(() => new CudaDevice().Dispose())!;
        Assert.That(e.Message, Does.StartWith("no CUDA driver found (tried libcuda.so.1").And.Contain("MRVS_LIBCUDA")
            .And.Contain("the CPU backend remains available"));
    }
}
