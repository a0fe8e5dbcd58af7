namespace MRVS.Backends.Cuda.Devices;

/// <summary>A grid or block shape of a kernel launch.</summary>
public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1)
{
    public const int MaxThreadsPerBlock = 1024;

    /// <summary>The most blocks along a grid's y or z.</summary>
    public const int MaxGridYz = 65535;

    public long Volume => (long)X * Y * Z;

    public static Dim3 Blocks(long work, uint perBlock) => new((uint)Math.Max(1, (work + perBlock - 1) / perBlock));

    public override string ToString() => $"({X}, {Y}, {Z})";

    /// <summary>
    /// CUDA's limits on every launch, checked before it reaches the driver or the emulation (which cannot report
    /// errors): at least one block of at least one thread, at most 1024 threads per block, block z ≤ 64, grid y and z ≤
    /// 65535.
    /// </summary>
    public static void CheckLaunch(string kernel, Dim3 grid, Dim3 block, int sharedBytes)
    {
        string? problem =
            grid.Volume == 0 || block.Volume == 0 ? "has an empty grid or block"
            : block.Volume > MaxThreadsPerBlock || block.X > MaxThreadsPerBlock || block.Y > MaxThreadsPerBlock
                || block.Z > 64 ? $"has more than {MaxThreadsPerBlock} threads per block (or block z > 64)"
            : grid.X > int.MaxValue || grid.Y > MaxGridYz || grid.Z > MaxGridYz
                ? "has a grid beyond (2^31 - 1, 65535, 65535)"
            : sharedBytes < 0 ? "asks for negative shared memory"
            : null;
        if (problem != null)
            throw new ArgumentException($"launch of {kernel} with grid {grid}, block {block}, {sharedBytes} bytes of " +
                $"shared memory {problem}");
    }
}
