namespace MRVS.Pipeline.Verification;

public sealed record VerificationReport(string Fixture, string Backend, IReadOnlyList<TensorCheck> Checks, long ArenaBytes, double Milliseconds)
{
    public int PassedCount => Checks.Count(c => c.Passed);
    public bool Passed => Checks.Count > 0 && PassedCount == Checks.Count;

    /// <summary>The closing line of <c>mrvs verify</c>.</summary>
    public string Summary => $"verify: {(Passed ? "PASS" : "FAIL")} {PassedCount}/{Checks.Count} tensors";
}
