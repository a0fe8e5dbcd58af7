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
        int batch = q.Dim(0), lq = q.Dim(1), lk = k.Dim(1), e = q.Dim(2), ev = v.Dim(2), heads = op.Heads;
        int dh = e / heads, dv = ev / heads;
        int next = 3;
        nint kpm = op.HasKeyPaddingMask ? inputs[next++].Ptr : 0;
        nint add = op.HasAdditiveMask ? inputs[next].Ptr : 0;
        float scale = 1f / MathF.Sqrt(dh);
        bool scaleQuery = op.Scaling == AttentionScaling.ScaleQuery;
        nint pq = q.Ptr, pk = k.Ptr, pv = v.Ptr, po = output.Ptr;
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
