using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="DynamicMaskHeadOp"/>: per (frame, query, pixel) the small per-query MLP over
/// [features, relative x, relative y], without replicating the feature map per query as upstream does.
/// </summary>
public sealed unsafe class DynamicMaskHead : CpuKernel<DynamicMaskHeadOp>
{
    protected override void Run(DynamicMaskHeadOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (f, p, r) = (inputs[0], inputs[1], inputs[2]);
        int t = f.Dim(0), c = f.Dim(1), h = f.Dim(2), w = f.Dim(3), q = p.Dim(1), np = p.Dim(2);
        int inCh = c + 2, ch = op.Channels, layers = op.Layers;
        var sizes = op.WeightCounts(inCh).Concat(op.BiasCounts()).ToArray();
        var offsets = new int[sizes.Length];
        for (int i = 1; i < sizes.Length; i++) offsets[i] = offsets[i - 1] + sizes[i - 1];
        nint pf = f.Ptr, pp = p.Ptr, pr = r.Ptr, py = output.Ptr;
        float imgW = op.ImageWidth, imgH = op.ImageHeight;
        int stride = op.Stride, half = op.Stride / 2;
        CpuParallel.For((long)t * q * h, row =>
        {
            int y = (int)(row % h), qi = (int)(row / h % q), ti = (int)(row / h / q);
            float* prm = (float*)pp + ((long)ti * q + qi) * np;
            float* refp = (float*)pr + ((long)ti * q + qi) * 2;
            float refX = refp[0] * imgW, refY = refp[1] * imgH;
            Span<float> a = stackalloc float[Math.Max(inCh, ch)];
            Span<float> b = stackalloc float[Math.Max(inCh, ch)];
            for (int x = 0; x < w; x++)
            {
                for (int k = 0; k < c; k++) a[k] = ((float*)pf)[(((long)ti * c + k) * h + y) * w + x];
                a[c] = refX - (stride * x + half);
                a[c + 1] = refY - (stride * y + half);
                int width = inCh;
                for (int l = 0; l < layers; l++)
                {
                    int outs = l == layers - 1 ? 1 : ch;
                    float* wl = prm + offsets[l], bl = prm + offsets[layers + l];
                    for (int o = 0; o < outs; o++)
                    {
                        float s = 0f;
                        for (int i = 0; i < width; i++) s += wl[o * width + i] * a[i];
                        s += bl[o];
                        b[o] = l < layers - 1 && s < 0f ? 0f : s;
                    }
                    b[..outs].CopyTo(a);
                    width = outs;
                }
                ((float*)py)[(((long)ti * q + qi) * h + y) * w + x] = a[0];
            }
        });
    }
}
