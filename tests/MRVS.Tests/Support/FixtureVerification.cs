using MRVS.Core.Execution;
using MRVS.Models;
using MRVS.Pipeline.Verification;

namespace MRVS.Tests.Support;

/// <summary>Runs a whole model fixture on a backend and asserts every reference tensor passes, listing the ones that do
/// not.</summary>
public static class FixtureVerification
{
    public static VerificationReport AssertPasses(string fixture, IBackend backend, bool finalOutputsOnly = false)
    {
        var report = FixtureVerifier.Run(Fixtures.Dir(fixture), backend, finalOutputsOnly);
        var failed = report.Checks.Where(c => !c.Passed).Select(c =>
            $"{c.Name}: abs {c.MaxAbsError:E3} {c.Note}").ToList();
        Assert.That(failed, Is.Empty, $"{report.Summary}\n{string.Join("\n", failed)}");
        if (finalOutputsOnly)
            Assert.That(report.Checks.Select(c => c.Name),
                Does.Contain(SocModel.PredCls).And.Contain(SocModel.PredMasks).And.Contain(FixtureVerifier.FinalMasks));
        else Assert.That(report.Checks, Has.Count.GreaterThan(100), "a model fixture holds every intermediate");
        return report;
    }
}
