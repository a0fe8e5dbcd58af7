using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/layer_norm.cu for <see cref="LayerNormOp"/>: rows of the last axis in thread groups sized by the row
/// length (<see cref="RowGroup"/>), the residual added as the row is loaded when the op has one; stored in 16 bits
/// where only GEMMs read the result (<see cref="NarrowedActivations"/>).
/// </summary>
public sealed class LayerNorm : CudaKernel<LayerNormOp>
{
    protected override void Launch(KernelLaunches k, LayerNormOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = y.Dim(-1);
        long rows = y.Elements / n;
        nint residual = op.HasResidual ? x[1].Ptr : 0, gamma = x[^2].Ptr, beta = x[^1].Ptr, input = x[0].Ptr;
        var g = RowGroup.For(rows, n, input, residual, gamma, beta, y.Ptr);
        k.Launch("layer_norm", g.Grid, new Dim3(RowGroup.Block), a => a.Ptr(input).Ptr(residual).Ptr(gamma).Ptr(beta)
            .Ptr(y.Ptr).Add(StoreType(y.Type.DType)).Add(rows).Add(n).Add(g.Threads).Add(g.Vector4 ? 1 : 0)
            .Add(op.Eps));
    }

    public override bool WritesNarrowed(Node node) => true;
}
