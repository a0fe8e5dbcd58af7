using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Devices;
using MRVS.Pipeline.Verification;
using MRVS.Tests.Support;

namespace MRVS.Tests.EndToEnd;

/// <summary>Every model fixture end to end through the CUDA backend's code path with the kernels emulated on the CPU.</summary>
public class EmulatedCudaVerificationTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void CudaEmulationReproducesEveryFixtureTensor(string fixture)
    {
        if (EmulatedDevice.FindLibrary() is null) Assert.Ignore($"skipped: {EmulatedDevice.LibraryName} not built (tools/ci/build-kernels-emu.sh)");
        using var backend = new CudaBackend(new EmulatedDevice());
        var report = FixtureVerifier.Run(Fixtures.Dir(fixture), backend);
        var failed = report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: abs {c.MaxAbsError:E3} {c.Note}").ToList();
        Assert.That(failed, Is.Empty, $"{report.Summary}\n{string.Join("\n", failed)}");
        Assert.That(report.Backend, Is.EqualTo("cuda-emu"));
    }
}
