using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/sine_position_encoding.cu (its 1-d or 2-d kernel) for <see cref="SinePositionEncodingOp"/>: one thread
/// per position.
/// </summary>
public sealed class SinePositionEncoding : CudaKernel<SinePositionEncodingOp>
{
    protected override void Launch(KernelLaunches k, SinePositionEncodingOp op, ReadOnlySpan<DeviceTensor> x,
        DeviceTensor y)
    {
        var mask = x[0];
        var grid = Dim3.Blocks(mask.Elements, 128);
        if (op.TwoDimensional)
            k.Launch("sine_position_encoding_2d", grid, new Dim3(128),
                a => a.Ptr(mask.Ptr).Ptr(y.Ptr).Add(mask.Dim(0)).Add(mask.Dim(1)).Add(mask.Dim(2)).Add(op.NumPosFeats));
        else
            k.Launch("sine_position_encoding_1d", grid, new Dim3(128),
                a => a.Ptr(mask.Ptr).Ptr(y.Ptr).Add(mask.Dim(0)).Add(mask.Dim(1)).Add(op.NumPosFeats));
    }
}
