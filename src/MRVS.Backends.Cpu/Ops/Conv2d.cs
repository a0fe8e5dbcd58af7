using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="Conv2dOp"/>: im2col per image, then a GEMM with the [Cout, Cin·kh·kw] weight.</summary>
public sealed unsafe class Conv2d : CpuKernel<Conv2dOp>
{
    protected override void Run(Conv2dOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (x, w) = (inputs[0], inputs[1]);
        int n = x.Dim(0), cin = x.Dim(1), h = x.Dim(2), wd = x.Dim(3);
        int cout = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3);
        int oh = output.Dim(2), ow = output.Dim(3), s = op.Stride, p = op.Padding;
        int kdim = cin * kh * kw, cols = oh * ow;
        bool pointwise = kh == 1 && kw == 1 && s == 1 && p == 0;
        float[] colBuf = pointwise ? [] : new float[(long)kdim * cols];
        nint bias = inputs.Length == 3 ? inputs[2].Ptr : 0;
        for (int img = 0; img < n; img++)
        {
            float* xi = (float*)x.Ptr + (long)img * cin * h * wd;
            float* yi = (float*)output.Ptr + (long)img * cout * cols;
            fixed (float* col = colBuf)
            {
                float* b = pointwise ? xi : col;
                if (!pointwise)
                {
                    nint pc = (nint)col, pxi = (nint)xi;
                    CpuParallel.For(kdim, r =>
                    {
                        int c = (int)(r / (kh * kw)), ky = (int)(r / kw % kh), kx = (int)(r % kw);
                        float* dst = (float*)pc + r * cols, src = (float*)pxi + (long)c * h * wd;
                        for (int oy = 0; oy < oh; oy++)
                        {
                            int iy = oy * s - p + ky;
                            for (int ox = 0; ox < ow; ox++)
                            {
                                int ix = ox * s - p + kx;
                                dst[oy * ow + ox] = iy >= 0 && iy < h && ix >= 0 && ix < wd ? src[iy * wd + ix] : 0f;
                            }
                        }
                    });
                }
                Gemm.Run((float*)w.Ptr, b, yi, cout, cols, kdim, transposeB: false);
            }
            if (bias != 0)
            {
                nint pyi = (nint)yi;
                CpuParallel.For(cout, c =>
                {
                    var row = new Span<float>((float*)pyi + c * cols, cols);
                    System.Numerics.Tensors.TensorPrimitives.Add(row, ((float*)bias)[c], row);
                });
            }
        }
    }
}
