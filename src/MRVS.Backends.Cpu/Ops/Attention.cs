using System.Numerics.Tensors;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="AttentionOp"/>: per (batch, head, query) row, scores against every key, masks
/// (additive, then −∞ for padded keys), a max-subtracted softmax, then the weighted sum of values.
/// </summary>
public sealed unsafe class Attention : CpuKernel<AttentionOp>
{
    protected override void Run(AttentionOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (q, k, v) = (inputs[0], inputs[1], inputs[2]);
        int next = 3;
        nint kpm = op.HasKeyPaddingMask ? inputs[next++].Ptr : 0;
        nint add = op.HasAdditiveMask ? inputs[next].Ptr : 0;
        Compute(q.Ptr, k.Ptr, v.Ptr, kpm, add, output.Ptr, q.Dim(0), op.Heads, q.Dim(1), k.Dim(1), q.Dim(2), v.Dim(2), op.Scaling == AttentionScaling.ScaleQuery);
    }

    /// <summary>
    /// The attention of <see cref="AttentionOp"/> on raw buffers (also the first step of <see cref="CrossModalFusion"/>):
    /// q [B, Lq, E], k [B, Lk, E], v [B, Lk, Ev] → y [B, Lq, Ev]; <paramref name="kpm"/> (key padding) Bool [B, Lk] and
    /// <paramref name="add"/> (additive mask) F32 [Lq, Lk] are optional (0).
    /// </summary>
    public static void Compute(nint pq, nint pk, nint pv, nint kpm, nint add, nint po, int batch, int heads, int lq, int lk, int e, int ev, bool scaleQuery)
    {
        int dh = e / heads, dv = ev / heads;
        float scale = 1f / MathF.Sqrt(dh);
        CpuParallel.For((long)batch * heads * lq, idx =>
        {
            int i = (int)(idx % lq), h = (int)(idx / lq % heads), b = (int)(idx / lq / heads);
            Span<float> qs = dh <= 256 ? stackalloc float[dh] : new float[dh];
            float[] scores = new float[lk];
            var qrow = new ReadOnlySpan<float>((float*)pq + ((long)b * lq + i) * e + h * dh, dh);
            if (scaleQuery) TensorPrimitives.Multiply(qrow, scale, qs); else qrow.CopyTo(qs);
            for (int j = 0; j < lk; j++)
            {
                float s = TensorPrimitives.Dot(qs, new ReadOnlySpan<float>((float*)pk + ((long)b * lk + j) * e + h * dh, dh));
                if (!scaleQuery) s /= MathF.Sqrt(dh);
                if (add != 0) s += ((float*)add)[(long)i * lk + j];
                if (kpm != 0 && ((byte*)kpm)[(long)b * lk + j] != 0) s = float.NegativeInfinity;
                scores[j] = s;
            }
            Softmax.Row(scores);
            var o = new Span<float>((float*)po + ((long)b * lq + i) * ev + h * dv, dv);
            o.Clear();
            for (int j = 0; j < lk; j++)
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)pv + ((long)b * lk + j) * ev + h * dv, dv), scores[j], o, o);
        }, minPerThread: 16);
    }
}
