using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// <see cref="FeedForwardOp"/> on the device: both Linears as <see cref="Linear.Rows"/> runs them (the second's bias
/// and residual in its GEMM's epilogue, then the LayerNorm if the op has one; the first's bias and ReLU too, a GELU in
/// kernels/linear.cu; both in linear_few_rows on a few float32 rows) block of rows by block of rows, the hidden
/// activations in the shared scratch, at most <see cref="ScratchFloats"/> floats of them.
/// With fp16 / bf16 GEMMs the GELU pass stores the hidden block in the GEMMs' 16-bit type (it is read only as the
/// second GEMM's operand), rounded once as cast_narrow would: no cast launch, no float32 re-read.
/// </summary>
public sealed class FeedForward : CudaKernel<FeedForwardOp>
{
    /// <summary>
    /// 256 MiB of hidden activations per block: Video-Swin-B's stage-1 FFN at 8×360×640 (59 M hidden values) runs
    /// whole, so each weight is read once and each Linear is one GEMM. Smaller blocks cost a launch triple and a
    /// re-read of both weights each; the bound keeps longer videos from allocating without limit.
    /// </summary>
    private const long ScratchFloats = 1 << 26;

    protected override void Launch(KernelLaunches k, FeedForwardOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int inner = x[1].Dim(1), hidden = x[1].Dim(0), n = x[3].Dim(0), m = (int)(x[0].Elements / inner);
        int block = (int)Math.Clamp(ScratchFloats / hidden, 1, m);
        var operands = k.Gemm.Operands;
        bool narrow = operands != DType.F32 && !Linear.InGemmEpilogue(op.Activation, residual: false);
        long floatBytes = ((long)block * hidden * sizeof(float) + 255) / 256 * 256; // the 16-bit block 256-aligned
        long narrowedBytes = narrow ? (long)block * hidden * operands.Size() : 0;
        nint scratch = k.Scratch(floatBytes + narrowedBytes), narrowed = narrow ? scratch + (nint)floatBytes : 0;
        var hiddenType = new TensorType(narrow ? operands : DType.F32, [block, hidden]);
        int inputSize = x[0].Type.DType.Size();
        for (int r0 = 0; r0 < m; r0 += block)
        {
            int rows = Math.Min(block, m - r0);
            nint residual = op.HasResidual ? x[5].Ptr + (nint)((long)r0 * n * sizeof(float)) : 0;
            LayerNorm.Norm? norm = op.NormEps is { } eps ? new(x[^2].Ptr, x[^1].Ptr, eps) : null;
            var input = x[0] with { Ptr = x[0].Ptr + (nint)((long)r0 * inner * inputSize) };
            Linear.Rows(k, input, x[1].Ptr, x[2].Ptr, 0, scratch, rows, hidden, inner, op.Activation, narrowed);
            Linear.Rows(k, new DeviceTensor(narrow ? narrowed : scratch, hiddenType), x[3].Ptr, x[4].Ptr, residual,
                y.Ptr + (nint)((long)r0 * n * sizeof(float)), rows, n, hidden, Activation.None, norm: norm);
        }
    }

    public override bool ReadsNarrowed(Node node, int input) => input == 0;
}
