using MRVS.Backends.Cpu;
using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Emulation;
using MRVS.Tests.Support;

namespace MRVS.Tests.EndToEnd;

/// <summary>
/// Every model fixture end to end, every reference tensor (masks included) by name: on the CPU backend, and through the
/// CUDA backend with the kernels emulated on the CPU; and the forward as production runs it (only the outputs
/// requested, so the graph fusion pass fuses everything it can) against the fixture's outputs, on both.
/// </summary>
public class FixtureVerificationTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void CpuBackendReproducesEveryFixtureTensor(string fixture)
    {
        using var backend = new CpuBackend();
        FixtureVerification.AssertPasses(fixture, backend);
    }

    [Category(TestCategory.EndToEnd)]
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void CudaEmulationReproducesEveryFixtureTensor(string fixture)
    {
        if (EmulatedDevice.FindLibrary() is null) Assert.Ignore($"skipped: {EmulatedDevice.LibraryName} not built " +
            $"(tools/ci/build-kernels-emu.sh)");
        using var backend = new CudaBackend(new EmulatedDevice());
        Assert.That(FixtureVerification.AssertPasses(fixture, backend).Backend, Is.EqualTo("cuda-emu"));
    }

    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void CpuBackendFusedForwardReproducesTheOutputs(string fixture)
    {
        using var backend = new CpuBackend();
        FixtureVerification.AssertPasses(fixture, backend, finalOutputsOnly: true);
    }

    [Category(TestCategory.EndToEnd)]
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void CudaEmulationFusedForwardReproducesTheOutputs(string fixture)
    {
        if (EmulatedDevice.FindLibrary() is null) Assert.Ignore($"skipped: {EmulatedDevice.LibraryName} not built " +
            $"(tools/ci/build-kernels-emu.sh)");
        using var backend = new CudaBackend(new EmulatedDevice());
        FixtureVerification.AssertPasses(fixture, backend, finalOutputsOnly: true);
    }
}
