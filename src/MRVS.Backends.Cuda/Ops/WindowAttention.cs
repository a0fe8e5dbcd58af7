using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/window_attention.cu for <see cref="WindowAttentionOp"/>: one block of 128 threads per (window, head),
/// head dims up to 64.
/// </summary>
public sealed class WindowAttention : CudaKernel<WindowAttentionOp>
{
    protected override void Launch(KernelLaunches k, WindowAttentionOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int windows = y.Dim(0), n = y.Dim(1), c = y.Dim(2);
        if (c / op.Heads > 64) throw new NotSupportedException($"window attention head dim {c / op.Heads} exceeds the kernel's 64");
        nint qkv = x[0].Ptr, bias = x[1].Ptr, regions = op.Masked ? x[2].Ptr : 0;
        k.Launch("window_attention", new Dim3((uint)(windows * op.Heads)), new Dim3(128),
            a => a.Ptr(qkv).Ptr(bias).Ptr(regions).Ptr(y.Ptr).Add(n).Add(c).Add(op.Heads));
    }
}
