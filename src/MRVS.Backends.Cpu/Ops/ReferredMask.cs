using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="ReferredMaskOp"/>.</summary>
public sealed unsafe class ReferredMask : CpuKernel<ReferredMaskOp>
{
    protected override void Run(ReferredMaskOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (cls, masks) = (inputs[0], inputs[1]);
        int t = cls.Dim(0), q = cls.Dim(2), k = cls.Dim(3), h4 = masks.Dim(3), w4 = masks.Dim(4);
        int selected = SelectQuery(new ReadOnlySpan<float>((void*)cls.Ptr, t * q * k), t, q, k);
        var (y0, y1, ly) = Interpolate.BilinearTaps(h4, op.Padded.H, alignCorners: false);
        var (x0, x1, lx) = Interpolate.BilinearTaps(w4, op.Padded.W, alignCorners: false);
        var (oh, ow) = op.Original;
        nint pm = masks.Ptr, py = output.Ptr;
        CpuParallel.For((long)t * oh, r =>
        {
            int frame = (int)(r / oh), sy = Interpolate.NearestSource((int)(r % oh), op.Resized.H, oh);
            float* plane = (float*)pm + ((long)frame * q + selected) * h4 * w4;
            float* ra = plane + y0[sy] * w4, rb = plane + y1[sy] * w4;
            float wy1 = ly[sy], wy0 = 1f - wy1;
            byte* row = (byte*)py + r * ow;
            for (int x = 0; x < ow; x++)
            {
                int sx = Interpolate.NearestSource(x, op.Resized.W, ow);
                float wx1 = lx[sx], wx0 = 1f - wx1;
                float logit = wy0 * (wx0 * ra[x0[sx]] + wx1 * ra[x1[sx]]) + wy1 * (wx0 * rb[x0[sx]] + wx1 * rb[x1[sx]]);
                row[x] = (byte)(Activations.Sigmoid(logit) > 0.5f ? 1 : 0);
            }
        }, minPerThread: 16);
    }

    /// <summary>The query with the highest clip score, max over classes of the mean over frames of sigmoid(logit); the first on ties.</summary>
    /// <param name="cls">Class logits [T, (B = 1,) Q, K].</param>
    public static int SelectQuery(ReadOnlySpan<float> cls, int t, int q, int k) => SelectQuery(cls, t, q, k, new float[q * k], new float[q]);

    /// <summary>As above, also giving the mean probabilities [Q, K] and each query's score [Q] (the post-processing's taps).</summary>
    public static int SelectQuery(ReadOnlySpan<float> cls, int t, int q, int k, Span<float> prob, Span<float> scores)
    {
        int best = 0;
        for (int qi = 0; qi < q; qi++)
        {
            float score = float.NegativeInfinity;
            for (int ki = 0; ki < k; ki++)
            {
                float sum = 0f;
                for (int ti = 0; ti < t; ti++) sum += Activations.Sigmoid(cls[(ti * q + qi) * k + ki]);
                prob[qi * k + ki] = sum / t;
                score = MathF.Max(score, sum / t);
            }
            scores[qi] = score;
            if (score > scores[best]) best = qi;
        }
        return best;
    }
}
