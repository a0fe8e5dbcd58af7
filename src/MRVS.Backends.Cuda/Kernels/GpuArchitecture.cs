namespace MRVS.Backends.Cuda.Kernels;

/// <summary>How many blocks of a kernel fit on one SM at once, and which resource runs out first.</summary>
/// <param name="Fraction">Resident warps over the SM's maximum: the theoretical occupancy.</param>
/// <param name="Limiter">warps (threads), blocks, registers or shared memory.</param>
public sealed record Occupancy(int BlocksPerSm, int WarpsPerSm, double Fraction, string Limiter);

/// <summary>
/// Per-SM limits of a GPU architecture, for theoretical occupancy. Limits: the CUDA C++ Programming Guide, table
/// "Technical Specifications per Compute Capability" (resident blocks, warps and threads per SM; 64 Ki 32-bit
/// registers per SM and per block, 255 per thread; shared memory per SM and the most one block may opt into).
/// Allocation rules: the CUDA Occupancy Calculator (cuda_occupancy.h): registers go to warps in units of 256, each
/// warp's from one of 4 sub-partitions of the register file; shared memory goes in units of 128 bytes, and from
/// compute capability 8.0 on the system reserves 1 KiB per block. The shared memory per SM is the largest carveout
/// (what the driver picks when occupancy needs it).
/// </summary>
public sealed record GpuArchitecture(string Name, string Examples, int MaxThreadsPerSm, int MaxWarpsPerSm,
    int MaxBlocksPerSm, int SharedBytesPerSm, int MaxSharedBytesPerBlock)
{
    public const int WarpSize = 32, RegistersPerSm = 65536, MaxRegistersPerBlock = 65536, MaxRegistersPerThread = 255;
    public const int RegisterAllocationUnit = 256, RegisterSubPartitions = 4;
    public const int SharedAllocationUnit = 128, ReservedSharedPerBlock = 1024;

    public static IReadOnlyList<GpuArchitecture> Known { get; } =
    [
        new("sm_80", "A100", 2048, 64, 32, 164 * 1024, 163 * 1024),
        new("sm_86", "A10, A40, RTX 30xx", 1536, 48, 16, 100 * 1024, 99 * 1024),
        new("sm_89", "L4, L40, RTX 40xx", 1536, 48, 24, 100 * 1024, 99 * 1024),
        new("sm_90", "H100, H200", 2048, 64, 32, 228 * 1024, 227 * 1024),
    ];

    public static GpuArchitecture Of(string name) => Known.FirstOrDefault(a => a.Name == name)
        ?? throw new ArgumentException(
            $"no occupancy limits for '{name}' (known: {string.Join(", ", Known.Select(a => a.Name))})");

    /// <summary>
    /// Theoretical occupancy of blocks of <paramref name="threads"/> threads with these registers per thread and
    /// shared memory per block.
    /// </summary>
    public Occupancy Occupancy(int threads, int registers, int sharedBytes)
    {
        int warps = (threads + WarpSize - 1) / WarpSize;
        int registersPerWarp = RoundUp(Math.Max(registers, 1) * WarpSize, RegisterAllocationUnit);
        int byRegisters = registers > MaxRegistersPerThread || registersPerWarp * warps > MaxRegistersPerBlock ? 0
            : RegistersPerSm / RegisterSubPartitions / registersPerWarp * RegisterSubPartitions / warps;
        int byShared = sharedBytes > MaxSharedBytesPerBlock ? 0
            : SharedBytesPerSm / RoundUp(sharedBytes + ReservedSharedPerBlock, SharedAllocationUnit);
        int byWarps = Math.Min(MaxWarpsPerSm, MaxThreadsPerSm / WarpSize) / warps;
        // Ties name the architectural limits first: registers or shared memory limit only when they cut below those.
        (int Blocks, string Limiter)[] limits =
            [(byWarps, "warps"), (MaxBlocksPerSm, "blocks"), (byRegisters, "registers"), (byShared, "shared memory")];
        var (blocks, limiter) = limits.MinBy(l => l.Blocks);
        return new Occupancy(blocks, blocks * warps, (double)(blocks * warps) / MaxWarpsPerSm, limiter);
    }

    private static int RoundUp(int value, int unit) => (value + unit - 1) / unit * unit;
}
