using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="SinePositionEncodingOp"/> (kernels sine_position_encoding_1d / _2d), float32 like upstream.</summary>
public sealed unsafe class SinePositionEncoding : CpuKernel<SinePositionEncodingOp>
{
    private const float Scale = 2f * MathF.PI, Eps = 1e-6f;

    protected override void Run(SinePositionEncodingOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var m = inputs[0];
        byte* mask = (byte*)m.Ptr;
        float* y = (float*)output.Ptr;
        int f = op.NumPosFeats;
        var dimT = new float[f];
        for (int k = 0; k < f; k++) dimT[k] = MathF.Pow(10000f, 2 * (k / 2) / (float)f);
        if (!op.TwoDimensional)
        {
            int batch = m.Dim(0), len = m.Dim(1);
            var c = new float[len];
            for (int b = 0; b < batch; b++)
            {
                Count(mask + (long)b * len, len, 1, c);
                float last = c[len - 1];
                for (int j = 0; j < len; j++)
                    Encode(c[j] / (last + Eps) * Scale, dimT, y + (long)b * f * len + j, len);
            }
            return;
        }
        int n = m.Dim(0), h = m.Dim(1), w = m.Dim(2);
        var cy = new float[h * w];
        var cx = new float[h * w];
        for (int i = 0; i < n; i++)
        {
            byte* mi = mask + (long)i * h * w;
            float* yi = y + (long)i * 2 * f * h * w;
            for (int col = 0; col < w; col++) Count(mi + col, h, w, cy.AsSpan(col), stride: w);
            for (int row = 0; row < h; row++) Count(mi + row * w, w, 1, cx.AsSpan(row * w));
            for (int r = 0; r < h; r++)
                for (int col = 0; col < w; col++)
                {
                    int p = r * w + col;
                    float ey = (cy[p] - 0.5f) / (cy[(h - 1) * w + col] + Eps) * Scale;
                    float ex = (cx[p] - 0.5f) / (cx[r * w + w - 1] + Eps) * Scale;
                    Encode(ey, dimT, yi + p, h * w);
                    Encode(ex, dimT, yi + (long)f * h * w + p, h * w);
                }
        }
    }

    /// <summary>Running count of unpadded positions along one line (read every <paramref name="step"/> bytes).</summary>
    private static void Count(byte* mask, int len, int step, Span<float> counts, int stride = 1)
    {
        float c = 0f;
        for (int j = 0; j < len; j++)
        {
            if (mask[(long)j * step] == 0) c += 1f;
            counts[j * stride] = c;
        }
    }

    private static void Encode(float x, float[] dimT, float* dst, long channelStride)
    {
        for (int k = 0; k < dimT.Length; k++)
        {
            float v = x / dimT[k];
            dst[k * channelStride] = (k & 1) == 0 ? MathF.Sin(v) : MathF.Cos(v);
        }
    }
}
