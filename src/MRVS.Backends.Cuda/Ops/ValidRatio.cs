using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>kernels/valid_ratio.cu for <see cref="ValidRatioOp"/>: one thread per image.</summary>
public sealed class ValidRatio : CudaKernel<ValidRatioOp>
{
    protected override void Launch(KernelLaunches k, ValidRatioOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var mask = x[0];
        k.Launch("valid_ratio", Dim3.Blocks(mask.Dim(0), 128), new Dim3(128),
            a => a.Ptr(mask.Ptr).Ptr(y.Ptr).Add(mask.Dim(0)).Add(mask.Dim(1)).Add(mask.Dim(2)));
    }
}
