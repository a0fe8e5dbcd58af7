using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="DeformableReferencePointsOp"/> (kernel deformable_reference_points).</summary>
public sealed unsafe class DeformableReferencePoints : CpuKernel<DeformableReferencePointsOp>
{
    protected override void Run(DeformableReferencePointsOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var shapes = op.LevelShapes;
        int n = inputs[0].Dim(0), levels = shapes.Length, s = output.Dim(1);
        nint pvr = inputs[0].Ptr, py = output.Ptr;
        CpuParallel.For(n, b =>
        {
            float* vrb = (float*)pvr + b * levels * 2, y = (float*)py;
            long token = 0;
            for (int l = 0; l < levels; l++)
            {
                int h = shapes[l][0], w = shapes[l][1];
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++, token++)
                    {
                        float rx = (j + 0.5f) / (vrb[2 * l] * w), ry = (i + 0.5f) / (vrb[2 * l + 1] * h);
                        float* dst = y + ((b * s + token) * levels) * 2;
                        for (int t = 0; t < levels; t++)
                        {
                            dst[2 * t] = rx * vrb[2 * t];
                            dst[2 * t + 1] = ry * vrb[2 * t + 1];
                        }
                    }
            }
        });
    }
}
