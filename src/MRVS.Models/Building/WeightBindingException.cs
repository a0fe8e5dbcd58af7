using MRVS.Core.Errors;

namespace MRVS.Models.Building;

/// <summary>
/// Every weight problem of a model at once: missing keys, shape/dtype mismatches, unexpected keys. The message counts
/// each kind and shows the first few of each; <see cref="Problems"/> has them all.
/// </summary>
/// <param name="incomplete">Binding stopped early (<see cref="WeightStore.StandInBudget"/>): more problems may
/// exist.</param>
public sealed class WeightBindingException(string source, IReadOnlyList<string> problems, bool incomplete = false)
    : MrvsException(MrvsErrorKind.BadModel, $"{source}: {Summarize(problems)}" + (incomplete
        ? "; binding stopped there: the missing and mismatched weights add up to over 1 GiB, so these weights do not " +
            "belong to this config"
        : ""))
{
    private const int ShownPerKind = 3;

    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>
    /// "849 weight problems: 12 missing keys, first 3: …; 800 mismatches, first 3: …; 37 unexpected keys, …".
    /// </summary>
    public static string Summarize(IReadOnlyList<string> problems)
    {
        var byKind = problems.ToLookup(p => p.StartsWith("missing key", StringComparison.Ordinal) ? 0
            : p.StartsWith("unexpected key", StringComparison.Ordinal) ? 2 : 1);
        List<string> missing = [.. byKind[0]], mismatched = [.. byKind[1]], unexpected = [.. byKind[2]];
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add(ErrorText.Summarize(missing, ("missing key", "missing keys"), ShownPerKind));
        if (mismatched.Count > 0) parts.Add(ErrorText.Summarize(mismatched, ("mismatch", "mismatches"), ShownPerKind));
        if (unexpected.Count > 0)
            parts.Add(ErrorText.Summarize(unexpected, ("unexpected key", "unexpected keys"), ShownPerKind));
        return $"{problems.Count} weight problem{(problems.Count == 1 ? "" : "s")}: {string.Join("; ", parts)}";
    }
}
