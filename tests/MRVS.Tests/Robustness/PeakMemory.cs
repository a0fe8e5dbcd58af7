namespace MRVS.Tests.Robustness;

/// <summary>
/// The peak resident memory a piece of work adds to the process: Linux's high-water mark (VmHWM), reset before the
/// work by writing 5 to /proc/self/clear_refs, minus the resident size at the start.
/// </summary>
public static class PeakMemory
{
    public const long MiB = 1 << 20;

    /// <param name="collect">Collect garbage first, so the baseline is the live memory (slower: the fuzz suite does it
    /// now and then).</param>
    public static long Above(Action work, bool collect = true)
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("peak memory is measured through Linux's /proc");
        if (collect)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Assert.Ignore(
            $"cannot reset the peak RSS: {e.Message}");
        }
        long start = Kb("VmRSS");
        work();
        return (Kb("VmHWM") - start) * 1024;
    }

    private static long Kb(string field) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l
            => l.StartsWith(field + ":", StringComparison.Ordinal)).Split(' ',
                StringSplitOptions.RemoveEmptyEntries)[1]);
}
