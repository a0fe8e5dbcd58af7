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
        var (inDims, outDims) = Merged(input.Shape, y.Shape);
        var s = new PadShape { Rank = inDims.Count };
        for (int d = 0; d < s.Rank; d++) { s.InDims[d] = inDims[d]; s.OutDims[d] = outDims[d]; }
        k.Launch("pad", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(input.Ptr).Ptr(y.Ptr).Add(y.Elements).Add(y.Type.DType.Size()).Add(s));
    }

    /// <summary>
    /// The same padding over fewer axes: axes of size 1 in the output dropped, and each axis merged into its outer
    /// kept neighbour when it is not padded (its rows are then contiguous in x and y alike).
    /// </summary>
    private static (List<int> In, List<int> Out) Merged(int[] inShape, int[] outShape)
    {
        List<int> inDims = [], outDims = [];
        for (int d = 0; d < outShape.Length; d++)
        {
            if (outShape[d] == 1) continue;
            if (inDims.Count > 0 && inShape[d] == outShape[d])
            {
                inDims[^1] *= inShape[d];
                outDims[^1] *= outShape[d];
                continue;
            }
            inDims.Add(inShape[d]);
            outDims.Add(outShape[d]);
        }
        return (inDims, outDims);
    }

    /// <summary>Mirrors struct mrvs_pad_shape in kernels/pad.cu.</summary>
    private struct PadShape
    {
        public int Rank;
        public Six<int> InDims;
        public Six<int> OutDims;
    }
}
