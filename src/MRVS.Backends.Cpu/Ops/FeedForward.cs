using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="FeedForwardOp"/>: per block of rows (the work items) the first GEMM writes the block's
/// hidden activations (bias and activation in its epilogue) into a per-thread buffer of at most
/// <see cref="HiddenBlockFloats"/> floats, and the second GEMM reads them from cache into the output (bias and residual
/// in its epilogue). Both weights are packed once per call when several blocks share them; a single block (the VOC's
/// and the text encoder's few rows) uses them in place, as a Linear does, so that no weight-sized copy is made. Every
/// element is computed as by the two Linears (and the LayerNorm after them, over the finished output).
/// </summary>
public sealed unsafe class FeedForward : CpuKernel<FeedForwardOp>
{
    /// <summary>A block's hidden activations stay in L2 (1 MiB).</summary>
    private const int HiddenBlockFloats = 1 << 18;

    /// <summary>Row blocks are multiples of this (the GEMM's row tile).</summary>
    private const int RowQuantum = 96;

    [ThreadStatic] private static float[]? t_hidden;

    protected override void Run(FeedForwardOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (x, w1, b1, w2, b2) = (inputs[0], inputs[1], inputs[2], inputs[3], inputs[4]);
        int k = w1.Dim(1), hidden = w1.Dim(0), n = w2.Dim(0), m = (int)(x.Elements / k);
        int block = Math.Max(RowQuantum, HiddenBlockFloats / hidden / RowQuantum * RowQuantum);
        int blocks = (m + block - 1) / block;
        using var first = blocks > 1 ? Gemm.Pack((float*)w1.Ptr, hidden, k, transposeB: true) : null;
        using var second = blocks > 1 ? Gemm.Pack((float*)w2.Ptr, n, hidden, transposeB: true) : null;
        nint px = x.Ptr, py = output.Ptr, residual = op.HasResidual ? inputs[5].Ptr : 0;
        var act = op.Activation;
        nint bias1 = b1.Ptr, bias2 = b2.Ptr, pw1 = w1.Ptr, pw2 = w2.Ptr;
        void Block(long blk)
        {
            int r0 = (int)blk * block, rows = Math.Min(block, m - r0);
            if (t_hidden == null || t_hidden.Length < (long)rows * hidden)
                t_hidden = GC.AllocateUninitializedArray<float>(block * hidden, pinned: true);
            fixed (float* h = t_hidden)
            {
                float* xr = (float*)px + (long)r0 * k, yr = (float*)py + (long)r0 * n;
                var firstEpilogue = new GemmEpilogue(bias1, act, 0, 0);
                var epilogue = new GemmEpilogue(bias2, Activation.None,
                    residual == 0 ? 0 : residual + (nint)((long)r0 * n * sizeof(float)), n);
                if (first is null || second is null)
                {
                    Gemm.Run(xr, (float*)pw1, h, rows, hidden, k, transposeB: true, epilogue: firstEpilogue);
                    Gemm.Run(h, (float*)pw2, yr, rows, n, hidden, transposeB: true, epilogue: epilogue);
                    return;
                }
                Gemm.Run(xr, first, h, rows, epilogue: firstEpilogue);
                Gemm.Run(h, second, yr, rows, epilogue: epilogue);
            }
        }
        // Few blocks: one after the other, each GEMM spread over the threads; many: the blocks are the work items.
        if (blocks < 2 * CpuParallel.Threads)
            for (long blk = 0; blk < blocks; blk++) Block(blk);
        else
            CpuParallel.For(blocks, Block);
        if (op.NormEps is { } eps) LayerNorm.Rows(py, 0, py, inputs[^2].Ptr, inputs[^1].Ptr, m, n, eps);
    }
}
