using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="DeformableSamplingLocationsOp"/>, with upstream's float32 operation order.</summary>
public sealed unsafe class DeformableSamplingLocations : CpuKernel<DeformableSamplingLocationsOp>
{
    protected override void Run(DeformableSamplingLocationsOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (off, r) = (inputs[0], inputs[1]);
        int n = off.Dim(0), lq = off.Dim(1), m = op.Heads, levels = op.LevelShapes.Length, points = op.Points, rd = r.Dim(3);
        float* o = (float*)off.Ptr, refp = (float*)r.Ptr, y = (float*)output.Ptr;
        long total = (long)n * lq * m * levels * points;
        for (long k = 0; k < total; k++)
        {
            int l = (int)(k / points % levels);
            long query = k / ((long)points * levels * m);
            float* rr = refp + (query * levels + l) * rd;
            float ox = o[2 * k], oy = o[2 * k + 1];
            if (rd == 2)
            {
                y[2 * k] = rr[0] + ox / op.LevelShapes[l][1];
                y[2 * k + 1] = rr[1] + oy / op.LevelShapes[l][0];
            }
            else
            {
                y[2 * k] = rr[0] + ox / points * rr[2] * 0.5f;
                y[2 * k + 1] = rr[1] + oy / points * rr[3] * 0.5f;
            }
        }
    }
}
