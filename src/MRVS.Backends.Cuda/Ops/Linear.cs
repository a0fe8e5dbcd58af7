using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// <see cref="LinearOp"/> on the device: the GEMM y = x·Wᵀ in the backend's precision with the bias, ReLU and residual
/// in its epilogue (<see cref="GemmEpilogue"/>, cuBLASLt on a GPU), one launch; the other forms keep one fused pass of
/// kernels/linear.cu after a plain GEMM, and a LayerNorm epilogue the LayerNorm kernel, except on a few float32 rows,
/// where kernels/linear.cu's linear_few_rows does GEMM and epilogue in one launch (<see cref="Rows"/> says which).
/// </summary>
public sealed class Linear : CudaKernel<LinearOp>
{
    /// <summary>The most rows linear_few_rows takes: 4 tiles of 64 (<see cref="KernelLaunches.DoneCounts"/> has a
    /// count for each tile's LayerNorm).</summary>
    internal const int MaxFewRows = 4 * 64;

    /// <summary>The blocks the kernels/linear.cu pass aims for before it gives each thread more rows (up to 32): a
    /// GPU filled, while each block reads its columns' bias once for all its rows.</summary>
    private const long PassBlocks = 1024;

    protected override void Launch(KernelLaunches k, LinearOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = x[1].Dim(0), inner = x[1].Dim(1), m = (int)(x[0].Elements / inner);
        var (input, weight) = (x[0], x[1].Ptr);
        nint bias = op.HasBias(x.Length) ? x[2].Ptr : 0;
        nint residual = op.HasResidual ? x[op.ResidualIndex(x.Length)].Ptr : 0;
        if (y.Type.DType != DType.F32 && op.NormEps is null)
        {
            // Stored narrowed by the GEMM's epilogue (WritesNarrowed); a LayerNorm's, by the LayerNorm.
            Rows(k, input, weight, bias, 0, 0, m, n, inner, op.Activation, narrowed: y.Ptr);
            return;
        }
        LayerNorm.Epilogue(k, y, m, n, op.NormEps is { } eps ? new(x[^2].Ptr, x[^1].Ptr, eps) : null,
            (output, norm) => Rows(k, input, weight, bias, residual, output, m, n, inner, op.Activation, norm: norm));
    }

    public override bool ReadsNarrowed(Node node, int input) => input == 0;

    /// <summary>With a LayerNorm epilogue the LayerNorm kernel can store it narrowed (<see
    /// cref="LayerNorm.Epilogue"/>), and the GEMM itself a form its epilogue takes without a residual (<see
    /// cref="Rows"/>).</summary>
    public override bool WritesNarrowed(Node node) => node.Op is LinearOp { NormEps: not null }
        || node.Op is LinearOp { HasResidual: false } op && InGemmEpilogue(op.Activation, residual: false);

    /// <summary>With a LayerNorm epilogue the LayerNorm kernel stores the copy (<see
    /// cref="LayerNorm.Epilogue"/>).</summary>
    public override bool WritesCopy(Node node) => node.Op is LinearOp { NormEps: not null };

    /// <summary>
    /// The m rows of a Linear from <paramref name="input"/>'s first row (float32, or a 16-bit GEMM operand), y =
    /// LN(act(x·Wᵀ + bias) + residual): linear_few_rows when it takes the shape and saves a launch, else the GEMM with
    /// its epilogue, or a plain GEMM and kernels/linear.cu, then the LayerNorm in place when <paramref name="norm"/> is
    /// given. With <paramref name="narrowed"/> the result goes there in the GEMMs' 16-bit type, without a residual or
    /// a LayerNorm (<paramref name="output"/> unused): stored so by the GEMM itself, with the activation for a form
    /// its epilogue takes, else the pass applies it there in place to the GEMM's 16-bit x·Wᵀ + bias (PyTorch
    /// autocast's rounding).
    /// </summary>
    internal static void Rows(KernelLaunches k, DeviceTensor input, nint weight, nint bias, nint residual,
        nint output, int m, int n, int inner, Activation act, nint narrowed = 0, LayerNorm.Norm? norm = null)
    {
        DType inputType = input.Type.DType;
        bool epilogue = InGemmEpilogue(act, residual != 0);
        if (narrowed != 0 && (residual != 0 || norm is not null))
            throw new ArgumentException("a residual's or a LayerNorm's result is float32", nameof(narrowed));
        if ((!epilogue || norm is not null) && narrowed == 0
            && FewRows(k, input, weight, bias, 0, residual, output, m, n, inner, act, norm)) return;
        if (epilogue)
        {
            // Bias and residual both: the GEMM adds the residual first, (x·Wᵀ + residual) + bias, within a rounding of
            // the model's (x·Wᵀ + bias) + residual.
            k.Gemm.Run(input.Ptr, weight, narrowed == 0 ? output : narrowed, m, n, inner, transposeB: true, 1f, 1, 0,
                0, 0, new GemmEpilogue(bias, residual, act == Activation.Relu), inputType,
                narrowed == 0 ? DType.F32 : k.Gemm.Operands);
        }
        else
        {
            // 16-bit: the GEMM stores x·Wᵀ + bias in the operands' type, as PyTorch's autocast Linear does, and the
            // pass applies the activation to those values in place (half the bytes of a float32 product).
            DType type = narrowed == 0 ? DType.F32 : k.Gemm.Operands;
            nint target = narrowed == 0 ? output : narrowed, passBias = narrowed == 0 ? bias : 0;
            k.Gemm.Run(input.Ptr, weight, target, m, n, inner, transposeB: true, 1f, 1, 0, 0, 0,
                narrowed == 0 ? default : new GemmEpilogue(bias), inputType, type);
            int store = StoreType(type);
            // As the kernel: a block covers cols columns with 256 / cols lanes of rows, each thread ≤ 32 rows.
            int cols = n < Threads ? (n + 31) / 32 * 32 : (int)Threads, lanes = (int)Threads / cols;
            uint columnBlocks = Dim3.Blocks(n, Threads).X;
            long rowsPerThread = Math.Clamp((m + lanes - 1) / lanes * columnBlocks / PassBlocks, 1, 32);
            long rowsPerThreadForGrid = ((m + Dim3.MaxGridYz - 1) / Dim3.MaxGridYz + lanes - 1) / lanes;
            int rowsPerBlock = lanes * (int)Math.Max(rowsPerThread, rowsPerThreadForGrid);
            k.Launch("linear", new Dim3(columnBlocks, (uint)((m + rowsPerBlock - 1) / rowsPerBlock)),
                new Dim3(Threads), a => a.Ptr(target).Ptr(passBias).Ptr(residual).Add((long)m).Add(n)
                    .Add(rowsPerBlock).Add((int)act).Add(store));
        }
        if (norm is { } nm) LayerNorm.Rows(k, output, 0, nm, output, DType.F32, m, n);
    }

    /// <summary>
    /// y = LN(gate ⊙ act(x·Wᵀ + bias) + residual) in one launch when linear_few_rows takes the shape (<see
    /// cref="TakesFewRows"/>; gate, bias, residual and norm optional); false, launching nothing, when it does not.
    /// linear_few_rows (one tile of ≤ 32 rows × 64 columns, 256 threads) or linear_few_rows_wide (tiles of 64 × 128,
    /// 512 threads), with k split into ranges of at least 256 (8 chunks: the chain of dependent loads a block walks)
    /// while the splits' partial sums, written and read once, stay under a quarter of the weight bytes the row tiles
    /// read.
    /// </summary>
    internal static bool FewRows(KernelLaunches k, DeviceTensor input, nint weight, nint bias, nint gate,
        nint residual, nint output, int m, int n, int inner, Activation act, LayerNorm.Norm? norm)
    {
        if (!TakesFewRows(k, input, weight, m, n, inner)) return false;
        bool wide = m > 32;
        uint columnTiles = Dim3.Blocks(n, wide ? 128u : 64u).X, rowTiles = wide ? (uint)((m + 63) / 64) : 1;
        long splits = Math.Min((inner + 255) / 256, Math.Max(1, (long)inner * rowTiles / (8L * m)));
        if (columnTiles * rowTiles > KernelLaunches.SplitCounts) splits = 1;
        int chunk = (int)((inner + splits - 1) / splits + 31) / 32 * 32;
        splits = (inner + chunk - 1) / chunk;
        nint partial = splits > 1 ? k.Partials(splits * m * n * sizeof(float)) : 0;
        var ln = norm ?? default;
        k.Launch(wide ? "linear_few_rows_wide" : "linear_few_rows", new Dim3(columnTiles, rowTiles, (uint)splits),
            new Dim3(wide ? 2 * Threads : Threads), a => a.Ptr(input.Ptr).Ptr(weight).Ptr(bias).Ptr(gate)
                .Ptr(residual).Ptr(ln.Gamma).Ptr(ln.Beta).Ptr(output).Ptr(partial).Ptr(k.DoneCounts).Add(m).Add(n)
                .Add(inner).Add((int)act).Add(chunk).Add(ln.Eps));
        return true;
    }

    /// <summary>
    /// Whether linear_few_rows takes the shape: float32 operands (the exact path), k a multiple of its 32-wide chunks,
    /// 16-byte aligned rows for its 128-bit loads, and either one tile of rows (≤ 64: each weight element read once)
    /// or up to <see cref="MaxFewRows"/> rows of a weight of at most 2 MiB, which each tile re-reads (from L2 on a
    /// GPU): the deformable decoder's 160 queries at 8 frames. A larger weight with more rows is a real GEMM,
    /// cuBLAS's.
    /// </summary>
    private static bool TakesFewRows(KernelLaunches k, DeviceTensor input, nint weight, int m, int n, int inner) =>
        k.Gemm.Operands == DType.F32 && input.Type.DType == DType.F32 && inner % 32 == 0 && input.Ptr % 16 == 0
        && weight % 16 == 0 && (m <= 64 || (m <= MaxFewRows && (long)n * inner <= 1 << 19));

    /// <summary>
    /// Whether the GEMM's epilogue computes the form: any bias and residual with no activation or ReLU, but ReLU only
    /// without a residual, which the model adds after the activation and cuBLASLt before it. GELU is the model's exact
    /// erf GELU and cuBLASLt's GELU epilogues the tanh approximation; sigmoid and tanh have no epilogue: those keep
    /// kernels/linear.cu.
    /// </summary>
    internal static bool InGemmEpilogue(Activation act, bool residual) =>
        act == Activation.None || (act == Activation.Relu && !residual);
}
