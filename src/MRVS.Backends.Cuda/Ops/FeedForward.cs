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
/// With fp16 / bf16 GEMMs the hidden block is stored in the GEMMs' 16-bit type (it is read only as the second GEMM's
/// operand) by the first GEMM itself, bias added (the bias rounded to 16 bits too, <see
/// cref="Devices.IGpuDevice.Gemm"/>) and, when its epilogue takes it, the activation (ReLU, none); a GELU pass then
/// works on those 16-bit values in place, as PyTorch's autocast applies GELU to its Linear's 16-bit result: no cast
/// launch, no float32 round trip.
/// </summary>
public sealed class FeedForward : CudaKernel<FeedForwardOp>
{
    /// <summary>
    /// 512 MiB of float32 hidden activations per block: at 8×360×640 the deformable encoder's FFN (38,560 tokens ×
    /// 2,048, 79 M hidden values; 256 MiB had split it in two) and Video-Swin-B's stage-1 FFN (59 M) run whole, so
    /// each weight is read once and each Linear is one GEMM. Smaller blocks cost two or three launches and a re-read of
    /// both weights each; the bound keeps longer videos from allocating without limit.
    /// </summary>
    private const long ScratchFloats = 1 << 27;

    protected override void Launch(KernelLaunches k, FeedForwardOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int inner = x[1].Dim(1), hidden = x[1].Dim(0), n = x[3].Dim(0), m = (int)(x[0].Elements / inner);
        int block = (int)Math.Clamp(ScratchFloats / hidden, 1, m);
        var operands = k.Gemm.Operands;
        bool narrow = operands != DType.F32;
        nint scratch = k.Scratch((long)block * hidden * operands.Size()), narrowed = narrow ? scratch : 0;
        var hiddenType = new TensorType(narrow ? operands : DType.F32, [block, hidden]);
        int inputSize = x[0].Type.DType.Size();
        var t = x.ToArray(); // the rows' callback cannot capture a span
        LayerNorm.Epilogue(k, y, m, n, op.NormEps is { } eps ? new(t[^2].Ptr, t[^1].Ptr, eps) : null, (output, norm) =>
        {
            for (int r0 = 0; r0 < m; r0 += block)
            {
                int rows = Math.Min(block, m - r0);
                nint residual = op.HasResidual ? t[5].Ptr + (nint)((long)r0 * n * sizeof(float)) : 0;
                var input = t[0] with { Ptr = t[0].Ptr + (nint)((long)r0 * inner * inputSize) };
                Linear.Rows(k, input, t[1].Ptr, t[2].Ptr, 0, scratch, rows, hidden, inner, op.Activation, narrowed);
                Linear.Rows(k, new DeviceTensor(narrow ? narrowed : scratch, hiddenType), t[3].Ptr, t[4].Ptr,
                    residual, output + (nint)((long)r0 * n * sizeof(float)), rows, n, hidden, Activation.None,
                    norm: norm);
            }
        });
    }

    public override bool ReadsNarrowed(Node node, int input) => input == 0;

    /// <summary>With a LayerNorm epilogue, the LayerNorm kernel can store it narrowed (<see
    /// cref="LayerNorm.Epilogue"/>).</summary>
    public override bool WritesNarrowed(Node node) => node.Op is FeedForwardOp { NormEps: not null };

    /// <summary>With a LayerNorm epilogue the LayerNorm kernel stores the copy (<see
    /// cref="LayerNorm.Epilogue"/>).</summary>
    public override bool WritesCopy(Node node) => node.Op is FeedForwardOp { NormEps: not null };
}
