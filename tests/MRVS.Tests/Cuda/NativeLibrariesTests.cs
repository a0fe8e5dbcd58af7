using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Interop;

namespace MRVS.Tests.Cuda;

/// <summary>Without a CUDA driver the backend says so in one sentence, as an exception callers can catch to fall back to the CPU.</summary>
public class NativeLibrariesTests
{
    [Test]
    public void AMissingDriverIsOneClearSentence()
    {
        if (NativeLibraries.IsAvailable(NativeLibraries.Cuda)) Assert.Ignore("skipped: this machine has a CUDA driver");
        var e = Assert.Throws<CudaUnavailableException>(() => NativeLibraries.Require(NativeLibraries.Cuda))!;
        Assert.That(e.Message, Does.StartWith("no CUDA driver found (tried libcuda.so.1").And.EndWith("the CPU backend remains available (--backend cpu)"));
        Assert.That(e.Message, Does.Contain("MRVS_LIBCUDA"));
        Assert.Throws<CudaUnavailableException>(() => new CudaDevice().Dispose(), "creating the device reports the same");
    }

    [Test]
    public void OptionalExportsAreProbedWithoutThrowing()
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc)) Assert.Ignore("skipped: libnvrtc not found");
        Assert.That(NativeLibraries.HasExport(NativeLibraries.Nvrtc, "nvrtcCompileProgram"));
        Assert.That(NativeLibraries.HasExport(NativeLibraries.Nvrtc, "nvrtcNoSuchCall"), Is.False);
    }
}
