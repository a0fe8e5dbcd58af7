namespace MRVS.Backends.Cpu;

/// <summary>
/// Parallel loops over independent work items; each item's arithmetic is sequential, so results are thread-count
/// independent. How many threads a loop may use is set per calling thread (<see cref="Limit"/>): each
/// <see cref="CpuBackend"/> runs its kernels under its own limit, so backends with different settings do not interfere.
/// </summary>
public static class CpuParallel
{
    /// <summary>The limit of loops started on this thread; 0 means every core.</summary>
    [ThreadStatic] private static int t_threads;

    /// <summary>
    /// Set on threads running a parallel loop's items, so loops nested in them (a GEMM per window) run inline.
    /// </summary>
    [ThreadStatic] private static bool t_inParallelItem;

    /// <summary>The number of threads a loop started on this thread may use.</summary>
    public static int Threads => t_threads > 0 ? t_threads : Environment.ProcessorCount;

    /// <summary>
    /// Loops started on this thread use at most <paramref name="threads"/> threads until the scope is disposed.
    /// </summary>
    public static Scope Limit(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var previous = t_threads;
        t_threads = threads;
        return new Scope(previous);
    }

    public readonly struct Scope(int previous) : IDisposable
    {
        public void Dispose() => t_threads = previous;
    }

    public static void For(long count, Action<long> body, long minPerThread = 1)
    {
        if (count <= 0) return;
        int threads = t_inParallelItem ? 1 : (int)Math.Clamp(count / Math.Max(minPerThread, 1), 1, Threads);
        if (threads == 1) { for (long i = 0; i < count; i++) body(i); return; }
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            long begin = count * t / threads, end = count * (t + 1) / threads;
            t_inParallelItem = true;
            try { for (long i = begin; i < end; i++) body(i); }
            finally { t_inParallelItem = false; }
        });
    }
}
