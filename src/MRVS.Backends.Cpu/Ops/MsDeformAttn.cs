using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="MsDeformAttnOp"/>, both forms: one (sample, query, head) per work item; its L·P
/// normalised locations and weights are read (given form) or computed (fused form: the row softmax of the logits, the
/// locations from the reference points and offsets in upstream's float32 order); per sampling point the bilinear
/// weights are computed once and each in-range corner's D channels are accumulated in SIMD lanes (acc += weight ·
/// value, multiply then add, as the scalar form).
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
        var v = inputs[0];
        bool fused = MsDeformAttnOp.IsFused(inputs[1].Type.Rank);
        int n = v.Dim(0), s = v.Dim(1), m = v.Dim(2), d = v.Dim(3), lq = output.Dim(1), levels = op.LevelShapes.Length;
        int points = op.Points(v.Type, inputs[1].Type), samples = levels * points;
        int refDims = fused ? inputs[2].Dim(3) : 0;
        var shapes = op.LevelShapes;
        var starts = MsDeformAttnOp.LevelStarts(op.LevelShapes);
        nint pv = v.Ptr, p1 = inputs[1].Ptr, p2 = inputs[2].Ptr, py = output.Ptr;
        CpuParallel.For((long)n * lq * m, idx =>
        {
            int head = (int)(idx % m), b = (int)(idx / m / lq);
            Span<float> xs = stackalloc float[samples], ys = stackalloc float[samples], ws = stackalloc float[samples];
            long sample = idx * samples;
            if (fused)
            {
                // The query's row: M·L·P offset pairs, then M·L·P logits.
                float* row = (float*)p1 + idx / m * 3 * m * samples;
                Sampling(row + 2 * head * samples, row + 2 * m * samples + head * samples,
                    (float*)p2 + idx / m * levels * refDims, refDims, shapes, points, xs, ys, ws);
            }
            else
            {
                for (int k = 0; k < samples; k++)
                    (xs[k], ys[k]) = (((float*)p1)[2 * (sample + k)], ((float*)p1)[2 * (sample + k) + 1]);
                new ReadOnlySpan<float>((float*)p2 + sample, samples).CopyTo(ws);
            }
            float* acc = (float*)py + idx * d;
            new Span<float>(acc, d).Clear();
            for (int l = 0; l < levels; l++)
            {
                int h = shapes[l][0], w = shapes[l][1];
                float* value = (float*)pv + (((long)b * s + starts[l]) * m + head) * d;
                long rowStride = (long)w * m * d, colStride = (long)m * d;
                for (int p = 0; p < points; p++)
                {
                    int k = l * points + p;
                    float x = xs[k] * w - 0.5f, y = ys[k] * h - 0.5f, a = ws[k];
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

    /// <summary>
    /// The fused form's samples of one (query, head): weights = softmax of its L·P logits (<see cref="Softmax.Row"/>,
    /// as the unfused graph), locations = reference + offset / (W_l, H_l) (2-d) or reference.xy + offset / P ·
    /// reference.wh · 0.5 (4-d boxes).
    /// </summary>
    private static void Sampling(float* offsets, float* logits, float* reference, int refDims, int[][] shapes,
        int points, Span<float> xs, Span<float> ys, Span<float> ws)
    {
        new ReadOnlySpan<float>(logits, ws.Length).CopyTo(ws);
        Softmax.Row(ws);
        for (int k = 0; k < ws.Length; k++)
        {
            int l = k / points;
            float* r = reference + l * refDims;
            float ox = offsets[2 * k], oy = offsets[2 * k + 1];
            if (refDims == 2) (xs[k], ys[k]) = (r[0] + ox / shapes[l][1], r[1] + oy / shapes[l][0]);
            else (xs[k], ys[k]) = (r[0] + ox / points * r[2] * 0.5f, r[1] + oy / points * r[3] * 0.5f);
        }
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
