using MRVS.Core.Execution;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// What the CUDA backend needs from a device: memory, kernel launches, GEMMs, timing and graph capture.
/// <see cref="CudaDevice"/> is the GPU (driver API + cuBLAS); EmulatedDevice (MRVS.Backends.Cuda.Emulation) runs the
/// same kernels compiled
/// for the CPU, with host memory as device memory and the CPU GEMM in place of cuBLAS, so everything above this
/// interface is exercised without a GPU. Work is queued in order on one stream; only <see cref="CopyToHost"/>,
/// <see cref="Time"/> and <see cref="Synchronize"/> wait for it.
/// </summary>
public interface IGpuDevice : IDisposable
{
    string Name { get; }
    nint Allocate(long bytes);
    void Free(nint pointer);

    /// <summary>Queues an upload; <paramref name="source"/> may be reused as soon as this returns.</summary>
    void CopyToDevice(ReadOnlySpan<byte> source, nint destination);

    /// <summary>Downloads after the work queued before it; complete on return.</summary>
    void CopyToHost(nint source, Span<byte> destination);

    void CopyOnDevice(nint source, nint destination, long bytes);
    void Fill(nint destination, byte value, long bytes);

    /// <summary>Launches an entry point of kernels/*.cu; <paramref name="args"/> holds its parameters in order (see
    /// <see cref="KernelArgs"/>).</summary>
    void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args);

    /// <summary>
    /// Row-major C[b] = epilogue(alpha · A[b] · op(B[b])) for b in [0, batch): A [M, K], B [K, N] or [N, K]
    /// (transposeB), C [M, N]; strides in elements (0 shares B). A and B are both <paramref name="inputs"/> (F32, F16
    /// or BF16), C is <paramref name="output"/> (F32, or the inputs' type); accumulation is float32, TF32 only if the
    /// device was asked for it. A non-empty <paramref name="epilogue"/> (bias, residual, ReLU, in its order) is applied
    /// by the GEMM itself; into a 16-bit C only bias and ReLU, the bias then in C's type (cuBLASLt's default bias type
    /// for a 16-bit D, as PyTorch's 16-bit addmm passes it), added in float32 before C is rounded.
    /// </summary>
    void Gemm(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha, int batch, long strideA,
        long strideB, long strideC,
        DType inputs = DType.F32, DType output = DType.F32, GemmEpilogue epilogue = default);

    /// <summary>Marks the point in the stream after the work queued so far; its time is known once the device reaches
    /// it.</summary>
    IGpuEvent RecordEvent();

    /// <summary>Milliseconds the device spent on the work <paramref name="enqueue"/> queues (waits for it).</summary>
    double Time(Action enqueue)
    {
        using var start = RecordEvent();
        enqueue();
        using var end = RecordEvent();
        Synchronize();
        return end.MillisecondsSince(start);
    }

    /// <summary>
    /// Records the work <paramref name="enqueue"/> queues, without running it, for replay with <see
    /// cref="Core.Execution.ICapturedWork.Replay"/>:
    /// the same kernels, arguments and addresses each time. Run the work once before capturing, so that modules are
    /// loaded
    /// and scratch memory is allocated: allocating, synchronising or downloading while capturing is an error.
    /// </summary>
    IGpuGraph Capture(Action enqueue);

    void Synchronize();

    /// <summary>The memory-traffic counts of the device's work, where it keeps them (the instrumented emulation); else
    /// null.</summary>
    IWorkCounters? Counters => null;
}
