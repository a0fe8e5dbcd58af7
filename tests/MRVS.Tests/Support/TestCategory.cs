namespace MRVS.Tests.Support;

/// <summary>
/// Categories of slow tests that <c>tools/test.sh --fast</c> leaves out (plain <c>tools/test.sh</c>, what CI runs,
/// runs everything): mark a test with <c>[Category(TestCategory.EndToEnd)]</c>.
/// </summary>
public static class TestCategory
{
    /// <summary>A whole model or the whole CLI job, e.g. every fixture through the emulated CUDA backend.</summary>
    public const string EndToEnd = "EndToEnd";

    /// <summary>Long by size rather than scope, e.g. building the released variants at their eval size.</summary>
    public const string Long = "Long";

    /// <summary>Randomised inputs in bulk (fuzzing).</summary>
    public const string Fuzz = "Fuzz";
}
