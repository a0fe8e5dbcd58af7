namespace MRVS.Backends.Cpu;

/// <summary>Parallel loops over independent work items; each item's arithmetic is sequential, so results are thread-count independent.</summary>
public static class CpuParallel
{
    /// <summary>Threads to use; 1 makes every kernel single-threaded (handy for debugging).</summary>
    public static int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Set on threads running a parallel loop's items, so loops nested in them (a GEMM per window) run inline.</summary>
    [ThreadStatic] private static bool s_inParallelItem;

    public static void For(long count, Action<long> body, long minPerThread = 1)
    {
        if (count <= 0) return;
        int threads = s_inParallelItem ? 1 : (int)Math.Clamp(count / Math.Max(minPerThread, 1), 1, MaxThreads);
        if (threads == 1) { for (long i = 0; i < count; i++) body(i); return; }
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            long begin = count * t / threads, end = count * (t + 1) / threads;
            s_inParallelItem = true;
            try { for (long i = begin; i < end; i++) body(i); }
            finally { s_inParallelItem = false; }
        });
    }
}
