using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="SinePositionEncodingOp"/> (kernels sine_position_encoding_1d / _2d), float32 like
/// upstream. First the normalised positions per axis (running counts along each line), then one output channel plane
/// per thread item.
/// </summary>
public sealed unsafe class SinePositionEncoding : CpuKernel<SinePositionEncodingOp>
{
    private const float Scale = 2f * MathF.PI, Eps = 1e-6f;

    protected override void Run(SinePositionEncodingOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var m = inputs[0];
        byte* mask = (byte*)m.Ptr;
        int n = m.Dim(0), axes = op.TwoDimensional ? 2 : 1;
        int h = op.TwoDimensional ? m.Dim(1) : 1, w = op.TwoDimensional ? m.Dim(2) : m.Dim(1), positions = h * w;
        // [n, axes, h·w]: y then x for 2-D; the 1-D encoding is the x axis of a one-row image without the −0.5
        // offset.
        int f = op.NumPosFeats;
        var dimT = new float[f];
        for (int k = 0; k < f; k++) dimT[k] = MathF.Pow(10000f, 2 * (k / 2) / (float)f);
        var embed = new float[(long)n * axes * positions];
        fixed (float* e = embed)
        {
            float* pe = e;
            CpuParallel.For(n, i =>
            {
                byte* mi = mask + i * positions;
                float* ei = pe + i * axes * positions;
                if (op.TwoDimensional)
                {
                    for (int col = 0; col < w; col++) Normalise(mi + col, h, w, ei + col, offset: 0.5f);
                    for (int row = 0; row < h; row++)
                        Normalise(mi + row * w, w, 1, ei + positions + row * w, offset: 0.5f);
                }
                else Normalise(mi, w, 1, ei, offset: 0f);
            });
            float* y = (float*)output.Ptr;
            CpuParallel.For((long)n * axes * f, plane =>
            {
                long line = plane / f;
                int k = (int)(plane % f);
                float* src = pe + line * positions, dst = y + plane * positions;
                float dim = dimT[k];
                if ((k & 1) == 0) for (int p = 0; p < positions; p++) dst[p] = MathF.Sin(src[p] / dim);
                else for (int p = 0; p < positions; p++) dst[p] = MathF.Cos(src[p] / dim);
            });
        }
    }

    /// <summary>
    /// Along one line of <paramref name="len"/> mask bytes read every <paramref name="step"/>: c = running count of
    /// unpadded positions, written as (c − offset) / (c_last + eps) · 2π at the same stride.
    /// </summary>
    private static void Normalise(byte* mask, int len, int step, float* dst, float offset)
    {
        float c = 0f;
        for (int j = 0; j < len; j++)
        {
            if (mask[(long)j * step] == 0) c += 1f;
            dst[(long)j * step] = c;
        }
        float last = dst[(long)(len - 1) * step] + Eps;
        for (int j = 0; j < len; j++) dst[(long)j * step] = (dst[(long)j * step] - offset) / last * Scale;
    }
}
