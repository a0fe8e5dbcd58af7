using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="DeformableSamplingLocationsOp"/>, with upstream's float32 operation order.
/// </summary>
public sealed unsafe class DeformableSamplingLocations : CpuKernel<DeformableSamplingLocationsOp>
{
    protected override void Run(DeformableSamplingLocationsOp op, ReadOnlySpan<DeviceTensor> inputs,
        DeviceTensor output)
    {
        var (off, r) = (inputs[0], inputs[1]);
        int n = off.Dim(0), lq = off.Dim(1), m = op.Heads, levels = op.LevelShapes.Length, points = op.Points,
            rd = r.Dim(3);
        nint po = off.Ptr, pr = r.Ptr, py = output.Ptr;
        int perQuery = m * levels * points;
        CpuParallel.For((long)n * lq, query =>
        {
            float* rq = (float*)pr + query * levels * rd;
            for (long k = query * perQuery, end = k + perQuery; k < end; k++)
            {
                int l = (int)(k / points % levels);
                float* rr = rq + l * rd;
                float ox = ((float*)po)[2 * k], oy = ((float*)po)[2 * k + 1];
                float* y = (float*)py + 2 * k;
                if (rd == 2)
                {
                    y[0] = rr[0] + ox / op.LevelShapes[l][1];
                    y[1] = rr[1] + oy / op.LevelShapes[l][0];
                }
                else
                {
                    y[0] = rr[0] + ox / points * rr[2] * 0.5f;
                    y[1] = rr[1] + oy / points * rr[3] * 0.5f;
                }
            }
        }, minPerThread: 256);
    }
}
