namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// What the CUDA backend needs from a device: memory, kernel launches and GEMMs. <see cref="CudaDevice"/> is the GPU
/// (driver API + cuBLAS); <see cref="EmulatedDevice"/> runs the same kernels compiled for the CPU, with host memory
/// as device memory and the CPU GEMM in place of cuBLAS, so everything above this interface is exercised without a GPU.
/// </summary>
public interface IGpuDevice : IDisposable
{
    string Name { get; }
    nint Allocate(long bytes);
    void Free(nint pointer);
    void CopyToDevice(ReadOnlySpan<byte> source, nint destination);
    void CopyToHost(nint source, Span<byte> destination);
    void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args);

    /// <summary>Row-major C[b] = alpha · A[b] · op(B[b]) for b in [0, batch): A [M, K], B [K, N] or [N, K] (transposeB), C [M, N]; strides in elements (0 shares B).</summary>
    void Gemm(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha, int batch, long strideA, long strideB, long strideC);

    void Synchronize();
}
