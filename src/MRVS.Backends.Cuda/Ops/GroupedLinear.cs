using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// <see cref="GroupedLinearOp"/> on the device: one strided-batched GEMM in the backend's precision, a batch entry per
/// member (the input shared, stride 0; the weights, addends and outputs one member apart), each member's addend and
/// bias in the epilogue (C strided as the output; cuBLASLt's bias batch stride): one launch for the group.
/// </summary>
public sealed class GroupedLinear : CudaKernel<GroupedLinearOp>
{
    protected override void Launch(KernelLaunches k, GroupedLinearOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int members = x[1].Dim(0), n = x[1].Dim(1), inner = x[1].Dim(2), m = (int)(x[0].Elements / inner);
        k.Gemm.Run(x[0].Ptr, x[1].Ptr, y.Ptr, m, n, inner, transposeB: true, 1f, members, 0, (long)n * inner,
            (long)m * n, new GemmEpilogue(x[2].Ptr, x.Length == 4 ? x[3].Ptr : 0, BiasStride: n), x[0].Type.DType);
    }

    public override bool ReadsNarrowed(Node node, int input) => input == 0;
}
