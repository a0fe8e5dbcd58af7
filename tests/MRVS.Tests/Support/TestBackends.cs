using MRVS.Backends.Cuda.Emulation;
using MRVS.Backends.Cuda.Interop;
using MRVS.Core.Execution;
using MRVS.Pipeline;

namespace MRVS.Tests.Support;

/// <summary>
/// Backends by name for tests that run on each: "cpu", "cuda-emu" (skipped when the emulation library is not built)
/// and "cuda" (skipped without a GPU).
/// </summary>
public static class TestBackends
{
    /// <summary>The CUDA devices a kernel test runs on: the emulation everywhere, the GPU where there is one.</summary>
    public static readonly string[] CudaDevices = ["cuda-emu", "cuda"];

    public static IBackend Create(string name)
    {
        if (name == "cuda-emu" && EmulatedDevice.FindLibrary() is null)
            Assert.Ignore($"skipped: {EmulatedDevice.LibraryName} not built (tools/ci/build-kernels-emu.sh)");
        try
        {
            return BackendFactory.Create(BackendNames.Parse(name));
        }
        catch (CudaUnavailableException)
        {
            Assert.Ignore("skipped: no CUDA device");
            throw;
        }
    }
}
