using System.Numerics.Tensors;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="Conv2dOp"/> as an implicit GEMM, per image: the im2col matrix [Cin·kh·kw, OH·OW] is
/// written straight into the GEMM's packed panels (for stride 1, runs of contiguous input copied at once), then
/// Y = W·col with the [Cout, Cin·kh·kw] weight read in place, then the bias per output channel.
/// </summary>
public sealed unsafe class Conv2d : CpuKernel<Conv2dOp>
{
    protected override void Run(Conv2dOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (x, w) = (inputs[0], inputs[1]);
        int n = x.Dim(0), cin = x.Dim(1), h = x.Dim(2), wd = x.Dim(3);
        int cout = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3);
        int oh = output.Dim(2), ow = output.Dim(3), s = op.Stride, p = op.Padding;
        int kdim = cin * kh * kw, cols = oh * ow;
        nint bias = inputs.Length == 3 ? inputs[2].Ptr : 0;
        using var col = new PackedMatrix(cols, kdim);
        var geometry = new Geometry(cin, h, wd, kh, kw, oh, ow, s, p);
        for (int img = 0; img < n; img++)
        {
            nint xi = x.Ptr + (nint)((long)img * cin * h * wd * sizeof(float));
            float* yi = (float*)output.Ptr + (long)img * cout * cols;
            CpuParallel.For(col.Panels, panel =>
                geometry.Fill((float*)xi, col, (int)panel), minPerThread: Math.Max(1, 4096 / kdim));
            Gemm.Run((float*)w.Ptr, col, yi, cout, lda: kdim, ldc: cols);
            if (bias == 0) continue;
            nint py = (nint)yi;
            CpuParallel.For(cout, c =>
            {
                var row = new Span<float>((float*)py + c * cols, cols);
                TensorPrimitives.Add(row, ((float*)bias)[c], row);
            });
        }
    }

    /// <summary>Where each im2col element comes from: row k = (c, ky, kx), column n = (oy, ox).</summary>
    private readonly record struct Geometry(int Cin, int H, int W, int Kh, int Kw, int Oh, int Ow, int Stride, int Pad)
    {
        /// <summary>
        /// Every row k of one panel of the packed im2col matrix (zero outside the image and past the last column).
        /// </summary>
        public void Fill(float* x, PackedMatrix col, int panel)
        {
            int nr = col.PanelWidth, n0 = panel * nr, columns = Oh * Ow;
            for (int k = 0; k < col.K; k++)
            {
                int c = k / (Kh * Kw), ky = k / Kw % Kh, kx = k % Kw;
                float* plane = x + (long)c * H * W, dst = col.Panel(panel, k);
                for (int j = 0; j < nr;)
                {
                    int n = n0 + j;
                    if (n >= columns)
                    {
                        new Span<float>(dst + j, nr - j).Clear();
                        break;
                    }
                    int oy = n / Ow, ox = n % Ow, run = Math.Min(nr - j, Ow - ox), iy = oy * Stride - Pad + ky;
                    if (iy < 0 || iy >= H) new Span<float>(dst + j, run).Clear();
                    else if (Stride == 1) Row(plane + (long)iy * W, ox - Pad + kx, run, dst + j);
                    else
                        for (int i = 0; i < run; i++)
                        {
                            int ix = (ox + i) * Stride - Pad + kx;
                            dst[j + i] = ix >= 0 && ix < W ? plane[(long)iy * W + ix] : 0f;
                        }
                    j += run;
                }
            }
        }

        /// <summary>
        /// <paramref name="run"/> values of an input row from column <paramref name="ix"/> on, zero outside [0, W).
        /// </summary>
        private void Row(float* row, int ix, int run, float* dst)
        {
            int left = Math.Clamp(-ix, 0, run), right = Math.Clamp(ix + run - W, 0, run - left);
            if (left > 0) new Span<float>(dst, left).Clear();
            new ReadOnlySpan<float>(row + ix + left,
                run - left - right).CopyTo(new Span<float>(dst + left, run - left - right));
            if (right > 0) new Span<float>(dst + run - right, right).Clear();
        }
    }
}
