using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/swin_window_layer_norm.cu for <see cref="SwinWindowLayerNormOp"/>: the window rows in thread groups sized
/// by the row length (<see cref="RowGroup"/>), as <see cref="LayerNorm"/>, each gathering its token's row; stored in
/// 16 bits where only GEMMs read the result (<see cref="NarrowedActivations"/>).
/// </summary>
public sealed class SwinWindowLayerNorm : CudaKernel<SwinWindowLayerNormOp>
{
    protected override void Launch(KernelLaunches k, SwinWindowLayerNormOp op, ReadOnlySpan<DeviceTensor> x,
        DeviceTensor y)
    {
        int n = y.Dim(-1);
        long rows = y.Elements / n;
        nint input = x[0].Ptr, gamma = x[1].Ptr, beta = x[2].Ptr;
        var volume = x[0].Shape;
        var g = RowGroup.For(rows, n, input, gamma, beta, y.Ptr);
        var geometry = SwinWindowGeometry.Of(op.Window, volume);
        k.Launch("swin_window_layer_norm", g.Grid, new Dim3(RowGroup.Block), a => a.Ptr(input).Ptr(gamma).Ptr(beta)
            .Ptr(y.Ptr).Add(StoreType(y.Type.DType)).Add(rows).Add(n).Add(g.Threads).Add(g.Vector4 ? 1 : 0)
            .Add(op.Eps).Add(volume[0]).Add(volume[1]).Add(volume[2]).Add(geometry));
    }

    public override bool WritesNarrowed(Node node) => true;
}
