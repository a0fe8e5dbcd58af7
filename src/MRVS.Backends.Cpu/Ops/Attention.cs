using System.Numerics.Tensors;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="AttentionOp"/>, one (batch, head, block of queries) per work item: the block's scores
/// S = Q·Kᵀ by GEMM (q scaled first, or S divided after, as the op says), the additive mask, −∞ for padded keys,
/// the max-subtracted softmax per row, then S·V by GEMM into the head's output columns.
/// </summary>
public sealed unsafe class Attention : CpuKernel<AttentionOp>
{
    /// <summary>
    /// A work item's scores and scaled queries stay in L2 (1 MiB), with at least <see cref="MinBlockRows"/> queries, so
    /// that few queries over many keys make one block (one pass over the keys per head).
    /// </summary>
    private const int BlockFloats = 1 << 18, MinBlockRows = 64;

    [ThreadStatic] private static float[]? t_scores, t_queries;

    protected override void Run(AttentionOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (q, k, v) = (inputs[0], inputs[1], inputs[2]);
        int next = 3;
        nint kpm = op.HasKeyPaddingMask ? inputs[next++].Ptr : 0;
        nint add = op.HasAdditiveMask ? inputs[next].Ptr : 0;
        Compute(q.Ptr, k.Ptr, v.Ptr, kpm, add, output.Ptr, q.Dim(0), op.Heads, q.Dim(1), k.Dim(1), q.Dim(2), v.Dim(2),
            op.Scaling == AttentionScaling.ScaleQuery);
    }

    /// <summary>
    /// The attention of <see cref="AttentionOp"/> on raw buffers (also the first step of
    /// <see cref="CrossModalFusion"/>): q [B, Lq, E], k [B, Lk, E], v [B, Lk, Ev] → y [B, Lq, Ev];
    /// <paramref name="kpm"/> (key padding) Bool [B, Lk] and <paramref name="add"/> (additive mask) F32 [Lq, Lk] are
    /// optional (0).
    /// </summary>
    public static void Compute(nint pq, nint pk, nint pv, nint kpm, nint add, nint po, int batch, int heads, int lq,
        int lk, int e, int ev, bool scaleQuery)
    {
        int dh = e / heads, dv = ev / heads;
        int block = Math.Min(lq, Math.Max(MinBlockRows, BlockFloats / (lk + dh))), blocks = (lq + block - 1) / block;
        float scale = 1f / MathF.Sqrt(dh), root = MathF.Sqrt(dh);
        CpuParallel.For((long)batch * heads * blocks, idx =>
        {
            int blk = (int)(idx % blocks), h = (int)(idx / blocks % heads), b = (int)(idx / blocks / heads);
            int i0 = blk * block, rows = Math.Min(block, lq - i0);
            if (t_scores == null || t_scores.Length < block * lk)
                t_scores = GC.AllocateUninitializedArray<float>(block * lk, pinned: true);
            if (t_queries == null || t_queries.Length < block * dh)
                t_queries = GC.AllocateUninitializedArray<float>(block * dh, pinned: true);
            fixed (float* s = t_scores, qs = t_queries)
            {
                float* query = (float*)pq + ((long)b * lq + i0) * e + h * dh;
                int ldq = e;
                if (scaleQuery)
                {
                    for (int r = 0; r < rows; r++)
                        TensorPrimitives.Multiply(new ReadOnlySpan<float>(query + (long)r * e, dh), scale,
                            new Span<float>(qs + r * dh, dh));
                    query = qs;
                    ldq = dh;
                }
                Gemm.Run(query, (float*)pk + (long)b * lk * e + h * dh, s, rows, lk, dh, transposeB: true, lda: ldq,
                    ldb: e, ldc: lk);
                for (int r = 0; r < rows; r++)
                {
                    float* row = s + (long)r * lk;
                    float* mask = add == 0 ? null : (float*)add + (long)(i0 + r) * lk;
                    byte* padded = kpm == 0 ? null : (byte*)kpm + (long)b * lk;
                    if (!scaleQuery || mask != null || padded != null)
                        for (int j = 0; j < lk; j++)
                        {
                            float v = scaleQuery ? row[j] : row[j] / root;
                            if (mask != null) v += mask[j];
                            row[j] = padded != null && padded[j] != 0 ? float.NegativeInfinity : v;
                        }
                    Softmax.Row(new Span<float>(row, lk));
                }
                Gemm.Run(s, (float*)pv + (long)b * lk * ev + h * dv, (float*)po + ((long)b * lq + i0) * ev + h * dv,
                    rows, dv, lk,
                    transposeB: false, lda: lk, ldb: ev, ldc: ev);
            }
        });
    }
}
