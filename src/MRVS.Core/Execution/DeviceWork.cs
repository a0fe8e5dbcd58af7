namespace MRVS.Core.Execution;

/// <summary>How the bytes of a <see cref="DeviceWork"/> were found.</summary>
public enum DeviceWorkKind
{
    /// <summary>
    /// A kernel launch: the distinct 32-byte sectors each thread block read and wrote (the instrumented emulation's
    /// count).
    /// </summary>
    Kernel,

    /// <summary>
    /// A GEMM (cuBLAS on the GPU, not instrumented): its operands read once, its result written once, 2·M·N·K FLOPs
    /// per product.
    /// </summary>
    Gemm,

    /// <summary>A device-to-device copy or fill: its bytes.</summary>
    Copy,
}

/// <summary>
/// Work a device ran while counting (<see cref="IWorkCounters"/>), with the bytes it moved through global memory: one
/// launch, GEMM or copy (<paramref name="Count"/> 1), or the sum of several of one name.
/// </summary>
/// <param name="FootprintBytes">
/// The distinct 32-byte sectors a kernel launch read and wrote over all its blocks together: what it must move at
/// least, and what it would move if L2 served every re-read between blocks. A GEMM's or copy's is its traffic.
/// </param>
/// <param name="Flops">A GEMM's 2·M·N·K per product; 0 for kernels, whose FLOPs are their op's.</param>
/// <param name="TensorFlops">
/// The tensor-core FLOPs a kernel's warps issued (mma.sync m16n8k16, counted by the instrumented emulation), padding
/// of partial tiles included: what the tensor cores execute, not the op's useful FLOPs.
/// </param>
public sealed record DeviceWork(
    DeviceWorkKind Kind, string Name, long Count, long Blocks, long ReadBytes, long WrittenBytes, long FootprintBytes,
    long Flops, long TensorFlops = 0)
{
    public long TrafficBytes => ReadBytes + WrittenBytes;
}
