using MRVS.Core.Execution;
using MRVS.Pipeline.Verification;

namespace MRVS.Tests.Support;

/// <summary>Runs a whole model fixture on a backend and asserts every reference tensor passes, listing the ones that do
/// not.</summary>
public static class FixtureVerification
{
    public static VerificationReport AssertPasses(string fixture, IBackend backend)
    {
        var report = FixtureVerifier.Run(Fixtures.Dir(fixture), backend);
        var failed = report.Checks.Where(c => !c.Passed).Select(c =>
            $"{c.Name}: abs {c.MaxAbsError:E3} {c.Note}").ToList();
        Assert.That(failed, Is.Empty, $"{report.Summary}\n{string.Join("\n", failed)}");
        Assert.That(report.Checks, Has.Count.GreaterThan(100), "a model fixture holds every intermediate");
        return report;
    }
}
