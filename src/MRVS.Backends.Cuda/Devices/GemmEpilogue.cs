namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// What <see cref="IGpuDevice.Gemm"/> does to its float32 result before storing it, in cuBLASLt's order (the GPU runs
/// it as a cuBLASLt epilogue, the emulation computes the same):
/// C[b] = relu?((alpha · A[b] · op(B[b]) + Residual[b]) + Bias[b]), each part optional. The residual is shaped and
/// strided as C (it may be C itself, in place); the bias holds one float per column of C, shared by the batch or
/// <see cref="BiasStride"/> floats apart (a grouped Linear's members, CUBLASLT_MATMUL_DESC_BIAS_BATCH_STRIDE). The
/// model's Linear adds its bias before the residual, (x·Wᵀ + b) + r: with both, the GEMM rounds the two sums the other
/// way round (within a rounding of each element). The activation comes after the residual here, so a Linear whose
/// activation precedes its residual cannot use it (see Ops/Linear.cs).
/// </summary>
/// <param name="Bias">float32 [N] (in C's type when C is 16-bit: <see cref="IGpuDevice.Gemm"/>), or 0.</param>
/// <param name="Residual">float32 with C's shape and batch stride, or 0.</param>
/// <param name="Relu">max(x, 0) last.</param>
/// <param name="BiasStride">Floats between the biases of consecutive batch entries; 0 shares one.</param>
public readonly record struct GemmEpilogue(nint Bias = 0, nint Residual = 0, bool Relu = false, long BiasStride = 0)
{
    public bool IsEmpty => Bias == 0 && Residual == 0 && !Relu;

    /// <summary>"bias+residual+relu", "none": for messages.</summary>
    public override string ToString() => IsEmpty ? "none"
        : string.Join("+", new[] { Bias != 0 ? "bias" : null, Residual != 0 ? "residual" : null, Relu ? "relu" : null }
            .OfType<string>());
}
