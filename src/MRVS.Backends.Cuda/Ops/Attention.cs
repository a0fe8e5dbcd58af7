using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/attention.cu for <see cref="AttentionOp"/>: one thread per (batch, head, query) row, head dims up to
/// 128.
/// </summary>
public sealed class Attention : CudaKernel<AttentionOp>
{
    protected override void Launch(KernelLaunches k, AttentionOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int batch = x[0].Dim(0), lq = x[0].Dim(1), lk = x[1].Dim(1), e = x[0].Dim(2), ev = x[2].Dim(2);
        if (e / op.Heads > 128 || ev / op.Heads > 128)
            throw new NotSupportedException($"attention head dims {e / op.Heads}/{ev / op.Heads} exceed the kernel's 128");
        int next = 3;
        nint kpm = op.HasKeyPaddingMask ? x[next++].Ptr : 0, add = op.HasAdditiveMask ? x[next].Ptr : 0;
        nint q = x[0].Ptr, key = x[1].Ptr, v = x[2].Ptr;
        int scaleScores = op.Scaling == AttentionScaling.ScaleScores ? 1 : 0;
        k.Launch("attention", Dim3.Blocks((long)batch * op.Heads * lq, 128), new Dim3(128),
            a => a.Ptr(q).Ptr(key).Ptr(v).Ptr(kpm).Ptr(add).Ptr(y.Ptr).Add(batch).Add(op.Heads).Add(lq).Add(lk).Add(e).Add(ev).Add(scaleScores));
    }
}
