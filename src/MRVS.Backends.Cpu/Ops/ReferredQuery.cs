using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Numerics;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="ReferredQueryOp"/>.</summary>
public sealed unsafe class ReferredQuery : CpuKernel<ReferredQueryOp>
{
    protected override void Run(ReferredQueryOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var cls = inputs[0];
        int t = cls.Dim(0), q = cls.Dim(2), k = cls.Dim(3);
        var logits = new ReadOnlySpan<float>((void*)cls.Ptr, t * q * k);
        var decision = new Span<float>((void*)output.Ptr, ReferredQueryOp.Length(q, t));
        var scores = decision.Slice(1, q);
        int best = 0;
        for (int qi = 0; qi < q; qi++)
        {
            float score = float.NegativeInfinity;
            for (int ki = 0; ki < k; ki++)
            {
                float sum = 0f;
                for (int ti = 0; ti < t; ti++) sum += ScalarActivations.Sigmoid(logits[(ti * q + qi) * k + ki]);
                score = MathF.Max(score, sum / t);
            }
            scores[qi] = score;
            if (score > scores[best]) best = qi;
        }
        decision[0] = best;
        for (int ti = 0; ti < t; ti++)
        {
            float score = float.NegativeInfinity;
            for (int ki = 0; ki < k; ki++)
                score = MathF.Max(score, ScalarActivations.Sigmoid(logits[(ti * q + best) * k + ki]));
            decision[1 + q + ti] = score;
        }
    }
}
