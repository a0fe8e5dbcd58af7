using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="MsDeformAttnOp"/>: one (sample, query, head) per work item, D channels accumulated together.</summary>
public sealed unsafe class MsDeformAttn : CpuKernel<MsDeformAttnOp>
{
    protected override void Run(MsDeformAttnOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (v, loc) = (inputs[0], inputs[1]);
        int n = v.Dim(0), s = v.Dim(1), m = v.Dim(2), d = v.Dim(3), lq = loc.Dim(1), levels = loc.Dim(3), points = loc.Dim(4);
        var shapes = op.LevelShapes;
        var starts = MsDeformAttnOp.LevelStarts(op.LevelShapes);
        nint pv = v.Ptr, pl = loc.Ptr, pw = inputs[2].Ptr, py = output.Ptr;
        CpuParallel.For((long)n * lq * m, idx =>
        {
            int head = (int)(idx % m), q = (int)(idx / m % lq), b = (int)(idx / m / lq);
            var acc = new Span<float>((float*)py + ((long)b * lq + q) * m * d + head * d, d);
            acc.Clear();
            long sample = (((long)b * lq + q) * m + head) * levels * points;
            for (int l = 0; l < levels; l++)
            {
                int h = shapes[l][0], w = shapes[l][1];
                float* value = (float*)pv + (((long)b * s + starts[l]) * m + head) * d;
                long rowStride = (long)w * m * d, colStride = (long)m * d;
                for (int p = 0; p < points; p++)
                {
                    long k = sample + l * points + p;
                    float x = ((float*)pl)[2 * k] * w - 0.5f, y = ((float*)pl)[2 * k + 1] * h - 0.5f;
                    float a = ((float*)pw)[k];
                    if (!(y > -1f && x > -1f && y < h && x < w)) continue;
                    int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
                    float lx = x - x0, ly = y - y0, hx = 1f - lx, hy = 1f - ly;
                    Corner(acc, value, rowStride, colStride, y0, x0, h, w, a * hy * hx);
                    Corner(acc, value, rowStride, colStride, y0, x0 + 1, h, w, a * hy * lx);
                    Corner(acc, value, rowStride, colStride, y0 + 1, x0, h, w, a * ly * hx);
                    Corner(acc, value, rowStride, colStride, y0 + 1, x0 + 1, h, w, a * ly * lx);
                }
            }
        }, minPerThread: 64);
    }

    private static void Corner(Span<float> acc, float* value, long rowStride, long colStride, int y, int x, int h, int w, float weight)
    {
        if (y < 0 || x < 0 || y >= h || x >= w) return;
        float* src = value + y * rowStride + x * colStride;
        for (int c = 0; c < acc.Length; c++) acc[c] += weight * src[c];
    }
}
