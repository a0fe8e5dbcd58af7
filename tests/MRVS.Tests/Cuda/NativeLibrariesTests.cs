using MRVS.Backends.Cuda.Interop;

namespace MRVS.Tests.Cuda;

/// <summary>Library probing beyond loading (the missing-driver sentence is in <see cref="GpuTests"/>).</summary>
public class NativeLibrariesTests
{
    [Test]
    public void OptionalExportsAreProbedWithoutThrowing()
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc)) Assert.Ignore("skipped: libnvrtc not found");
        Assert.That(NativeLibraries.HasExport(NativeLibraries.Nvrtc, "nvrtcCompileProgram"));
        Assert.That(NativeLibraries.HasExport(NativeLibraries.Nvrtc, "nvrtcNoSuchCall"), Is.False);
    }
}
