using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/conv2d.cu for <see cref="Conv2dOp"/>: im2col per image into per-op scratch, a GEMM in the backend's
/// precision, then the bias (one thread per element).
/// </summary>
public sealed class Conv2d : CudaKernel<Conv2dOp>
{
    protected override void Launch(KernelLaunches k, Conv2dOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (input, w) = (x[0], x[1]);
        int n = input.Dim(0), cin = input.Dim(1), h = input.Dim(2), wd = input.Dim(3), cout = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3);
        int oh = y.Dim(2), ow = y.Dim(3);
        long cols = (long)cin * kh * kw * oh * ow;
        nint colBuffer = k.Scratch(op, cols * sizeof(float));
        for (int img = 0; img < n; img++)
        {
            nint src = input.Ptr + (nint)((long)img * cin * h * wd * sizeof(float));
            nint dst = y.Ptr + (nint)((long)img * cout * oh * ow * sizeof(float));
            k.Launch("conv2d", Grid(cols), new Dim3(Threads),
                a => a.Ptr(src).Ptr(colBuffer).Add(cin).Add(h).Add(wd).Add(kh).Add(kw).Add(op.Stride).Add(op.Padding).Add(oh).Add(ow));
            k.Gemm.Run(w.Ptr, colBuffer, dst, cout, oh * ow, cin * kh * kw, transposeB: false, 1f, 1, 0, 0, 0);
        }
        if (x.Length == 3)
        {
            nint bias = x[2].Ptr;
            k.Launch("conv2d_bias", Grid(y.Elements), new Dim3(Threads), a => a.Ptr(y.Ptr).Ptr(bias).Add(y.Elements).Add((long)oh * ow).Add(cout));
        }
    }
}
