using MRVS.Core.Errors;

namespace MRVS.Models.Building;

/// <summary>What is wrong with one weight.</summary>
public enum WeightProblemKind
{
    Missing,
    WrongShape,
    Unexpected,
    AliasDiffers,
}

/// <summary>One weight problem: its kind, the key and a sentence that says what was expected.</summary>
public sealed record WeightProblem(WeightProblemKind Kind, string Key, string Text)
{
    public override string ToString() => Text;
}

/// <summary>
/// Every weight problem of a model at once: missing keys, shape/dtype mismatches, unexpected keys. The message stays
/// one short line however many keys are wrong (a checkpoint of another model, a prefix on every key): the first
/// <see cref="Listed"/> problems, then the counts by kind; <see cref="Problems"/> holds them all.
/// </summary>
/// <param name="incomplete">
/// Binding stopped early (<see cref="WeightStore.StandInBudget"/>): more problems may exist.
/// </param>
public sealed class WeightBindingException(string source, IReadOnlyList<WeightProblem> problems,
    bool incomplete = false)
    : MrvsException(MrvsErrorKind.BadModel, $"{source}: {Summarize(problems)}" + (incomplete
        ? "; binding stopped there: the missing and mismatched weights add up to over 1 GiB, so these weights do not " +
            "belong to this config"
        : ""))
{
    public const int Listed = 5;

    public IReadOnlyList<WeightProblem> Problems { get; } = problems;

    /// <summary>The message without the source: the count, by kind when some are left out, and the first few.</summary>
    public string Summary => Summarize(Problems);

    private static string Summarize(IReadOnlyList<WeightProblem> problems)
    {
        var shown = string.Join("; ", problems.Take(Listed));
        if (problems.Count <= Listed) return $"{problems.Count} weight problem(s): {shown}";
        var counts = problems.GroupBy(p => p.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Name(g.Key)}");
        return $"{problems.Count} weight problems ({string.Join(", ", counts)}), the first {Listed}: {shown}; …";
    }

    private static string Name(WeightProblemKind kind) => kind switch
    {
        WeightProblemKind.Missing => "missing",
        WeightProblemKind.WrongShape => "wrong shape or dtype",
        WeightProblemKind.Unexpected => "unexpected",
        _ => "aliases that differ",
    };
}
