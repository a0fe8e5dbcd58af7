using System.Globalization;
using MRVS.Core.Execution;

namespace MRVS.Pipeline.Verification;

/// <summary>
/// A fixture run: every reference tensor compared, and for fp16 / bf16 GEMMs the IoU of the final masks, which
/// then decides the verdict (see <see cref="FixtureVerifier"/>).
/// </summary>
public sealed record VerificationReport(string Fixture, string Backend, IReadOnlyList<TensorCheck> Checks,
    long ArenaBytes, double Milliseconds,
    Precision Precision = Precision.Fp32, double? MaskIou = null)
{
    /// <summary>Tensors within their tolerance.</summary>
    public int PassedCount => Checks.Count(c => c.Passed);

    /// <summary>The verdict: every tensor within tolerance, or in fp16 / bf16 the masks' IoU high enough.</summary>
    public bool Passed => MaskIou is { } iou ? iou >= FixtureVerifier.MinimumMaskIou : Checks.Count > 0
        && PassedCount == Checks.Count;

    /// <summary>The closing line of <c>mrvs verify</c>.</summary>
    public string Summary => MaskIou is { } iou
        ? string.Create(CultureInfo.InvariantCulture,
            $"verify: {(Passed ? "PASS" : "FAIL")} {Precision.Name()} mask IoU {iou:F4} (needs ≥ " +
                $"{FixtureVerifier.MinimumMaskIou}); {PassedCount}/{Checks.Count} tensors within the fp32 tolerances")
        : $"verify: {(Passed ? "PASS" : "FAIL")} {PassedCount}/{Checks.Count} tensors";
}
