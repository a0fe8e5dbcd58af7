using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="WindowAttentionOp"/>, one (head, window) per work item, heads outermost so that a thread
/// keeps one head's bias table row in cache: S = scale · Q·Kᵀ by GEMM, then per row its relative position bias is
/// gathered from the table row, one sweep adds it and the shift mask (−100 between different shift regions) and takes
/// the max, the softmax finishes it, then S·V by GEMM, each row stored into the head's output columns of its window row
/// or, with the merge in the stores, of its token in the unpadded volume (padding rows dropped). Padded tokens are
/// ordinary tokens, as upstream.
/// </summary>
public sealed unsafe class WindowAttention : CpuKernel<WindowAttentionOp>
{
    [ThreadStatic] private static float[]? t_scores;
    [ThreadStatic] private static float[]? t_biasRow;
    [ThreadStatic] private static float[]? t_rows;

    protected override void Run(WindowAttentionOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var qkv = inputs[0];
        int windows = qkv.Dim(0), n = qkv.Dim(1), c = qkv.Dim(2) / 3, heads = op.Heads, dh = c / heads;
        float scale = 1f / MathF.Sqrt(dh);
        var positions = new int[n];
        for (int j = 0; j < n; j++) positions[j] = WindowAttentionOp.Position(op.Window, j);
        int last = WindowAttentionOp.Position(op.Window, op.Window[0] * op.Window[1] * op.Window[2] - 1);
        int tableRows = op.TableRows;
        var merge = op.Merge;
        var geo = merge is null ? default : SwinWindowGeometry.Of(merge.Window, merge.Depth, merge.Height, merge.Width);
        nint pqkv = qkv.Ptr, pb = inputs[1].Ptr, pr = op.Masked ? inputs[2].Ptr : 0, py = output.Ptr;
        CpuParallel.For((long)windows * heads, idx =>
        {
            int win = (int)(idx % windows), h = (int)(idx / windows);
            float* rows = (float*)pqkv + (long)win * n * 3 * c + h * dh;
            float* table = (float*)pb + (long)h * tableRows;
            float* regions = pr == 0 ? null : (float*)pr + (long)win * n;
            if (t_scores == null || t_scores.Length < n * n)
                t_scores = GC.AllocateUninitializedArray<float>(n * n, pinned: true);
            if (t_biasRow == null || t_biasRow.Length < n)
                t_biasRow = GC.AllocateUninitializedArray<float>(n, pinned: true);
            if (t_rows == null || t_rows.Length < n * dh)
                t_rows = GC.AllocateUninitializedArray<float>(n * dh, pinned: true);
            fixed (float* s = t_scores, bias = t_biasRow, o = t_rows)
            {
                Gemm.Run(rows, rows + c, s, n, n, dh, transposeB: true, alpha: scale, lda: 3 * c, ldb: 3 * c, ldc: n);
                for (int i = 0; i < n; i++)
                {
                    int offset = positions[i] + last;
                    for (int j = 0; j < n; j++) bias[j] = table[offset - positions[j]];
                    SoftmaxRow(s + (long)i * n, bias, n, regions, regions == null ? 0f : regions[i]);
                }
                Gemm.Run(s, rows + 2 * c, o, n, dh, n, transposeB: false, lda: n, ldb: 3 * c, ldc: dh);
                for (int i = 0; i < n; i++)
                {
                    long row = (long)win * n + i;
                    long target = merge is null ? row : geo.SourceToken(row, merge.Depth, merge.Height, merge.Width);
                    if (target >= 0)
                        new ReadOnlySpan<float>(o + (long)i * dh, dh).CopyTo(
                            new Span<float>((float*)py + target * c + h * dh, dh));
                }
            }
        }, minPerThread: 1);
    }

    /// <summary>
    /// Adds the bias row, then −100 where token j lies in another shift region than the query (when
    /// <paramref name="regions"/> is given), and finishes the max-subtracted softmax in place.
    /// </summary>
    private static void SoftmaxRow(float* row, float* bias, int n, float* regions, float query)
    {
        if (Vector512.IsHardwareAccelerated) SoftmaxRow<Lanes512, Vector512<float>>(row, bias, n, regions, query);
        else if (Vector256.IsHardwareAccelerated) SoftmaxRow<Lanes256, Vector256<float>>(row, bias, n, regions, query);
        else SoftmaxRow<Lanes128, Vector128<float>>(row, bias, n, regions, query);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxRow<TL, TV>(float* row, float* bias, int n, float* regions, float query)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        int w = TL.Count, vn = n / w * w, j;
        TV maxV = TL.Broadcast(float.NegativeInfinity), target = TL.Broadcast(query);
        TV penalty = TL.Broadcast(WindowAttentionOp.ShiftMaskValue);
        for (j = 0; j < vn; j += w)
        {
            TV v = TL.Add(TL.Load(row + j), TL.Load(bias + j));
            if (regions != null) v = TL.Add(v, TL.WhereNotEqual(TL.Load(regions + j), target, penalty));
            TL.Store(v, row + j);
            maxV = TL.Max(maxV, v);
        }
        float max = TL.MaxAcross(maxV);
        for (; j < n; j++)
        {
            row[j] += bias[j];
            if (regions != null && regions[j] != query) row[j] += WindowAttentionOp.ShiftMaskValue;
            max = MathF.Max(max, row[j]);
        }
        Softmax.ExpNormalise(new Span<float>(row, n), max);
    }
}
