using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/conv2d.cu for <see cref="Conv2dOp"/>: im2col of a chunk of images into per-op scratch (at most
/// <see cref="ColumnScratchBytes"/>, at least one image), one strided-batched GEMM per chunk in the backend's
/// precision, then the bias over all of y (one thread per element).
/// </summary>
public sealed class Conv2d : CudaKernel<Conv2dOp>
{
    /// <summary>Bound of the column scratch: at SOC++ Swin-B 8×360×640 all frames of 13 of the 14 convs fit (lay5 in 2
    /// chunks).</summary>
    private const long ColumnScratchBytes = 64L << 20;

    protected override void Launch(KernelLaunches k, Conv2dOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (input, w) = (x[0], x[1]);
        int n = input.Dim(0), cin = input.Dim(1), h = input.Dim(2), wd = input.Dim(3), cout = w.Dim(0), kh = w.Dim(2),
            kw = w.Dim(3);
        int oh = y.Dim(2), ow = y.Dim(3), depth = cin * kh * kw;
        long perImage = (long)depth * oh * ow;
        int chunk = (int)Math.Clamp(ColumnScratchBytes / (perImage * sizeof(float)), 1, n);
        nint colBuffer = k.Scratch(op, chunk * perImage * sizeof(float));
        for (int first = 0; first < n; first += chunk)
        {
            int images = Math.Min(chunk, n - first);
            nint src = input.Ptr + (nint)((long)first * cin * h * wd * sizeof(float));
            nint dst = y.Ptr + (nint)((long)first * cout * oh * ow * sizeof(float));
            k.Launch("conv2d", Grid(images * perImage), new Dim3(Threads),
                a => a.Ptr(src).Ptr(colBuffer).Add(images).Add(cin).Add(h).Add(wd)
                .Add(kh).Add(kw).Add(op.Stride).Add(op.Padding).Add(oh).Add(ow));
            k.Gemm.Run(w.Ptr, colBuffer, dst, cout, oh * ow, depth, transposeB: false, 1f, images, 0, perImage,
                (long)cout * oh * ow);
        }
        if (x.Length == 3)
        {
            nint bias = x[2].Ptr;
            k.Launch("conv2d_bias", Grid(y.Elements), new Dim3(Threads),
                a => a.Ptr(y.Ptr).Ptr(bias).Add(y.Elements).Add((long)oh * ow).Add(cout));
        }
    }
}
