using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="MsDeformAttnOp"/>: one (sample, query, head) per work item; per sampling point the
/// bilinear weights are computed once and each in-range corner's D channels are accumulated in SIMD lanes
/// (acc += weight · value, multiply then add, as the scalar form).
/// </summary>
public sealed unsafe class MsDeformAttn : CpuKernel<MsDeformAttnOp>
{
    protected override void Run(MsDeformAttnOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        if (Vector512.IsHardwareAccelerated) Run<Lanes512, Vector512<float>>(op, inputs, output);
        else if (Vector256.IsHardwareAccelerated) Run<Lanes256, Vector256<float>>(op, inputs, output);
        else Run<Lanes128, Vector128<float>>(op, inputs, output);
    }

    private static void Run<TL, TV>(MsDeformAttnOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        var (v, loc) = (inputs[0], inputs[1]);
        int n = v.Dim(0), s = v.Dim(1), m = v.Dim(2), d = v.Dim(3), lq = loc.Dim(1), levels = loc.Dim(3),
            points = loc.Dim(4);
        var shapes = op.LevelShapes;
        var starts = MsDeformAttnOp.LevelStarts(op.LevelShapes);
        nint pv = v.Ptr, pl = loc.Ptr, pw = inputs[2].Ptr, py = output.Ptr;
        CpuParallel.For((long)n * lq * m, idx =>
        {
            int head = (int)(idx % m), q = (int)(idx / m % lq), b = (int)(idx / m / lq);
            float* acc = (float*)py + ((long)b * lq + q) * m * d + head * d;
            new Span<float>(acc, d).Clear();
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
                    bool top = y0 >= 0, bottom = y0 + 1 < h, left = x0 >= 0, right = x0 + 1 < w;
                    float* corner = value + y0 * rowStride + x0 * colStride;
                    if (top && left) Accumulate<TL, TV>(acc, corner, d, a * hy * hx);
                    if (top && right) Accumulate<TL, TV>(acc, corner + colStride, d, a * hy * lx);
                    if (bottom && left) Accumulate<TL, TV>(acc, corner + rowStride, d, a * ly * hx);
                    if (bottom && right) Accumulate<TL, TV>(acc, corner + rowStride + colStride, d, a * ly * lx);
                }
            }
        }, minPerThread: 64);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TL, TV>(float* acc, float* src, int d, float weight)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        int c = 0;
        TV wv = TL.Broadcast(weight);
        for (; c + TL.Count <= d; c += TL.Count)
            TL.Store(TL.Add(TL.Load(acc + c), TL.Multiply(wv, TL.Load(src + c))), acc + c);
        for (; c < d; c++) acc[c] += weight * src[c];
    }
}
