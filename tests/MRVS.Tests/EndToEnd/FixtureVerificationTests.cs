using MRVS.Backends.Cpu;
using MRVS.Pipeline.Verification;
using MRVS.Tests.Support;

namespace MRVS.Tests.EndToEnd;

/// <summary>Every model fixture end to end on the CPU backend: every reference tensor, masks included, by name.</summary>
public class FixtureVerificationTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void CpuBackendReproducesEveryFixtureTensor(string fixture)
    {
        using var backend = new CpuBackend();
        var report = FixtureVerifier.Run(Fixtures.Dir(fixture), backend);
        var failed = report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: abs {c.MaxAbsError:E3} {c.Note}").ToList();
        Assert.That(failed, Is.Empty, $"{report.Summary}\n{string.Join("\n", failed)}");
        Assert.That(report.Checks, Has.Count.GreaterThan(100));
    }
}
