using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/pad.cu for <see cref="PadOp"/>: one thread per output element of any element size (zeros after each
/// axis).
/// </summary>
public sealed class Pad : CudaKernel<PadOp>
{
    protected override void Launch(KernelLaunches k, PadOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var input = x[0];
        var s = new PadShape { Rank = input.Shape.Length };
        for (int d = 0; d < s.Rank; d++) { s.InDims[d] = input.Shape[d]; s.OutDims[d] = y.Shape[d]; }
        k.Launch("pad", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(input.Ptr).Ptr(y.Ptr).Add(y.Elements).Add(y.Type.DType.Size()).Add(s));
    }

    /// <summary>Mirrors struct mrvs_pad_shape in kernels/pad.cu.</summary>
    private struct PadShape
    {
        public int Rank;
        public Six<int> InDims;
        public Six<int> OutDims;
    }
}
