using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Interop;
using MRVS.Tests.Support;

namespace MRVS.Tests.Cuda;

/// <summary>The real GPU path; runs only where a CUDA driver and device exist.</summary>
public class GpuTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void GpuReproducesEveryFixtureTensor(string fixture)
    {
        CudaDevice device;
        try { device = new CudaDevice(); }
        catch (CudaUnavailableException) { Assert.Ignore("skipped: no CUDA device"); return; }
        using var backend = new CudaBackend(device);
        FixtureVerification.AssertPasses(fixture, backend);
    }

    [Test]
    public void MissingDriverIsOneClearSentence()
    {
        if (NativeLibraries.IsAvailable(NativeLibraries.Cuda)) Assert.Ignore("skipped: a CUDA driver is installed here");
        var e = Assert.Throws<CudaUnavailableException>(() => new CudaDevice().Dispose())!;
        Assert.That(e.Message, Does.StartWith("no CUDA driver found (tried libcuda.so.1").And.Contain("MRVS_LIBCUDA").And.Contain("the CPU backend remains available"));
    }
}
