namespace MRVS.Models.Building;

/// <summary>Every weight problem of a model at once: missing keys, shape/dtype mismatches, unexpected keys.</summary>
public sealed class WeightBindingException(string source, IReadOnlyList<string> problems)
    : Exception($"{source}: {problems.Count} weight problem(s):\n  " + string.Join("\n  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
