using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/cross_modal_fusion.cu for <see cref="CrossModalFusionOp"/>: attention into per-op scratch, the out_proj
/// GEMM into y, then bias and gate in place.
/// </summary>
public sealed class CrossModalFusion : CudaKernel<CrossModalFusionOp>
{
    protected override void Launch(KernelLaunches k, CrossModalFusionOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int batch = y.Dim(0), lq = y.Dim(1), lk = x[1].Dim(1), e = y.Dim(2), dh = e / op.Heads;
        if (dh > 128) throw new NotSupportedException($"cross-modal fusion head dim {dh} exceeds the kernel's 128");
        nint q = x[0].Ptr, key = x[1].Ptr, v = x[2].Ptr, w = x[3].Ptr, bias = x[4].Ptr, target = x[5].Ptr;
        nint kpm = op.HasKeyPaddingMask ? x[6].Ptr : 0, attended = k.Scratch(op, y.Type.Bytes);
        k.Launch(dh <= 32 ? "cross_modal_fusion" : "cross_modal_fusion_wide", new Dim3((uint)((lq + 127) / 128), (uint)(batch * op.Heads)), new Dim3(128),
            a => a.Ptr(q).Ptr(key).Ptr(v).Ptr(kpm).Ptr(attended).Add(lq).Add(lk).Add(e).Add(op.Heads));
        k.Gemm.Run(attended, w, y.Ptr, batch * lq, e, e, transposeB: true, 1f, 1, 0, 0, 0);
        k.Launch("cross_modal_fusion_gate", Grid(y.Elements), new Dim3(Threads), a => a.Ptr(y.Ptr).Ptr(bias).Ptr(target).Add(y.Elements).Add(e));
    }
}
