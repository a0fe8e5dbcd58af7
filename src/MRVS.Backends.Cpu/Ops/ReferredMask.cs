using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Numerics;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="ReferredMaskOp"/>.</summary>
public sealed unsafe class ReferredMask : CpuKernel<ReferredMaskOp>
{
    protected override void Run(ReferredMaskOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (decision, masks) = (inputs[0], inputs[1]);
        int q = masks.Dim(2), h4 = masks.Dim(3), w4 = masks.Dim(4);
        int selected = ReferredQueryOp.Query(new ReadOnlySpan<float>((void*)decision.Ptr, 1));
        var (y0, y1, ly) = Resize.BilinearTaps(h4, op.Padded.H, alignCorners: false);
        var (x0, x1, lx) = Resize.BilinearTaps(w4, op.Padded.W, alignCorners: false);
        var (oh, ow) = op.Original;
        nint pm = masks.Ptr, py = output.Ptr;
        CpuParallel.For((long)masks.Dim(0) * oh, r =>
        {
            int frame = (int)(r / oh), sy = Resize.NearestSource((int)(r % oh), op.Resized.H, oh);
            float* plane = (float*)pm + ((long)frame * q + selected) * h4 * w4;
            float* ra = plane + y0[sy] * w4, rb = plane + y1[sy] * w4;
            float wy1 = ly[sy], wy0 = 1f - wy1;
            byte* row = (byte*)py + r * ow;
            for (int x = 0; x < ow; x++)
            {
                int sx = Resize.NearestSource(x, op.Resized.W, ow);
                float wx1 = lx[sx], wx0 = 1f - wx1;
                float logit = wy0 * (wx0 * ra[x0[sx]] + wx1 * ra[x1[sx]]) + wy1 * (wx0 * rb[x0[sx]] + wx1 * rb[x1[sx]]);
                row[x] = (byte)(ScalarActivations.Sigmoid(logit) > 0.5f ? 1 : 0);
            }
        }, minPerThread: 16);
    }
}
