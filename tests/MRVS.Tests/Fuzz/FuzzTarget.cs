namespace MRVS.Tests.Fuzz;

/// <summary>
/// One kind of input the fuzz suite mutates: its valid seeds, how a seed is mutated, and the <c>mrvs</c> command a
/// mutated input is given to (files written into the case's folder; the arguments returned).
/// </summary>
/// <param name="Weight">Share of the cases this target gets (the slower a case, the smaller its share).</param>
public sealed record FuzzTarget(string Name, int Weight, IReadOnlyList<byte[]> Seeds, Func<Mutator, byte[],
    byte[]> Mutate,
    Func<string, byte[], string[]> Prepare)
{
    public override string ToString() => Name;
}
