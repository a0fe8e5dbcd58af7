using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="DynamicMaskHeadOp"/>: per (frame, query, image row) the small per-query MLP over
/// [features, relative x, relative y] for every pixel of the row at once, pixels in SIMD lanes (layer by layer, each
/// output channel a multiply-then-add sum over the input channels in order, as the scalar form), without replicating
/// the feature map per query as upstream does.
/// </summary>
public sealed unsafe class DynamicMaskHead : CpuKernel<DynamicMaskHeadOp>
{
    protected override void Run(DynamicMaskHeadOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        if (Vector512.IsHardwareAccelerated) Run<Lanes512, Vector512<float>>(op, inputs, output);
        else if (Vector256.IsHardwareAccelerated) Run<Lanes256, Vector256<float>>(op, inputs, output);
        else Run<Lanes128, Vector128<float>>(op, inputs, output);
    }

    private static void Run<TL, TV>(DynamicMaskHeadOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        var (f, p, r) = (inputs[0], inputs[1], inputs[2]);
        int t = f.Dim(0), c = f.Dim(1), h = f.Dim(2), w = f.Dim(3), q = p.Dim(1), np = p.Dim(2);
        int inCh = c + 2, ch = op.Channels, layers = op.Layers, width = Math.Max(inCh, ch);
        var sizes = op.WeightCounts(inCh).Concat(op.BiasCounts()).ToArray();
        var offsets = new int[sizes.Length];
        for (int i = 1; i < sizes.Length; i++) offsets[i] = offsets[i - 1] + sizes[i - 1];
        nint pf = f.Ptr, pp = p.Ptr, pr = r.Ptr, py = output.Ptr;
        float imgW = op.ImageWidth, imgH = op.ImageHeight;
        int stride = op.Stride, half = op.Stride / 2, padded = (w + TL.Count - 1) / TL.Count * TL.Count;
        CpuParallel.For((long)t * q * h, row =>
        {
            int y = (int)(row % h), qi = (int)(row / h % q), ti = (int)(row / h / q);
            float* prm = (float*)pp + ((long)ti * q + qi) * np;
            float* refp = (float*)pr + ((long)ti * q + qi) * 2;
            float refX = refp[0] * imgW, refY = refp[1] * imgH;
            // Channel-major activations of the row's pixels, padded to whole vectors: layer input a, output b.
            float* a = stackalloc float[width * padded];
            float* b = stackalloc float[width * padded];
            for (int k = 0; k < c; k++)
                new ReadOnlySpan<float>((float*)pf + (((long)ti * c + k) * h + y) * w,
                    w).CopyTo(new Span<float>(a + k * padded, w));
            for (int x = 0; x < w; x++)
            {
                a[c * padded + x] = refX - (stride * x + half);
                a[(c + 1) * padded + x] = refY - (stride * y + half);
            }
            int fan = inCh;
            for (int l = 0; l < layers; l++)
            {
                bool last = l == layers - 1;
                int outs = last ? 1 : ch;
                float* wl = prm + offsets[l], bl = prm + offsets[layers + l];
                for (int o = 0; o < outs; o++)
                    Neuron<TL, TV>(a, padded, wl + o * fan, fan, bl[o], !last, b + o * padded);
                float* swap = a;
                a = b;
                b = swap;
                fan = outs;
            }
            new ReadOnlySpan<float>(a, w).CopyTo(new Span<float>((float*)py + (((long)ti * q + qi) * h + y) * w, w));
        });
    }

    /// <summary>
    /// out[x] = relu?(Σ_i weight[i] · in[i][x] + bias) for every pixel x, in lanes; the sum multiplies then adds, in
    /// i order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Neuron<TL, TV>(float* input, int padded, float* weight, int fan, float bias, bool relu,
        float* output)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        TV b = TL.Broadcast(bias);
        for (int x = 0; x < padded; x += TL.Count)
        {
            TV s = TL.Zero;
            for (int i = 0; i < fan; i++)
                s = TL.Add(s, TL.Multiply(TL.Broadcast(weight[i]), TL.Load(input + i * padded + x)));
            s = TL.Add(s, b);
            TL.Store(relu ? TL.Relu(s) : s, output + x);
        }
    }
}
