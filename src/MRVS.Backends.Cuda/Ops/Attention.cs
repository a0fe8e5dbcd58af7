using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/attention.cu for <see cref="AttentionOp"/>: blocks of 256 threads over the query rows of one (batch, head),
/// the entry point of the smallest head-dim bound (16, 32, 64, 128) that holds both head dims; stored in 16 bits where
/// only GEMMs read the result (<see cref="NarrowedActivations"/>).
/// </summary>
public sealed class Attention : CudaKernel<AttentionOp>
{
    /// <summary>The head-dim bounds the kernel is instantiated for.</summary>
    private static readonly int[] HeadDims = [16, 32, 64, 128];

    protected override void Launch(KernelLaunches k, AttentionOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int batch = x[0].Dim(0), lq = x[0].Dim(1), lk = x[1].Dim(1), e = x[0].Dim(2), ev = x[2].Dim(2);
        int widest = Math.Max(e, ev) / op.Heads, bound = HeadDims.FirstOrDefault(d => d >= widest);
        if (bound == 0) throw new NotSupportedException($"attention head dim {widest} exceeds the kernel's 128");
        int next = 3;
        nint kpm = op.HasKeyPaddingMask ? x[next++].Ptr : 0, add = op.HasAdditiveMask ? x[next].Ptr : 0;
        nint q = x[0].Ptr, key = x[1].Ptr, v = x[2].Ptr;
        int scaleScores = op.Scaling == AttentionScaling.ScaleScores ? 1 : 0, rows = 256 * 8 / bound;
        var grid = new Dim3((uint)((lq + rows - 1) / rows), (uint)(batch * op.Heads));
        k.Launch($"attention_{bound}", grid, new Dim3(256),
            a => a.Ptr(q).Ptr(key).Ptr(v).Ptr(kpm).Ptr(add).Ptr(y.Ptr).Add(KernelLaunches.StoreType(y.Type.DType))
                .Add(op.Heads).Add(lq).Add(lk).Add(e).Add(ev).Add(scaleScores));
    }

    public override bool WritesNarrowed(Node node) => true;
}
