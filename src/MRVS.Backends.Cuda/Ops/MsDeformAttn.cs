using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/ms_deform_attn.cu for <see cref="MsDeformAttnOp"/>: one warp per (image, query, head); the level table
/// is uploaded once per op.
/// </summary>
public sealed class MsDeformAttn : CudaKernel<MsDeformAttnOp>
{
    protected override void Launch(KernelLaunches k, MsDeformAttnOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (v, loc) = (x[0], x[1]);
        int n = v.Dim(0), s = v.Dim(1), m = v.Dim(2), d = v.Dim(3), lq = loc.Dim(1), levels = loc.Dim(3), points = loc.Dim(4);
        nint table = k.LevelTable(op, op.LevelShapes);
        nint pv = v.Ptr, pl = loc.Ptr, pw = x[2].Ptr;
        k.Launch("ms_deform_attn", new Dim3((uint)((long)n * lq * m)), new Dim3(32),
            a => a.Ptr(pv).Ptr(table).Ptr(table + 8 * levels).Ptr(pl).Ptr(pw).Ptr(y.Ptr).Add(s).Add(m).Add(d).Add(lq).Add(levels).Add(points));
    }
}
