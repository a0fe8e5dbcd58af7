using MRVS.Core.Execution;
using MRVS.Core.Graph;

namespace MRVS.Backends.Cuda;

/// <summary>How one op kind runs on a GPU device: the grid, block and arguments of its kernels in kernels/ (and its
/// GEMMs).</summary>
public interface ICudaKernel
{
    Type OpType { get; }
    void Launch(KernelLaunches launches, Op op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output);
}

/// <summary>The CUDA launch of <typeparamref name="TOp"/>, the counterpart of its CPU reference kernel of the same
/// name.</summary>
public abstract class CudaKernel<TOp> : ICudaKernel where TOp : Op
{
    public Type OpType => typeof(TOp);

    public void Launch(KernelLaunches launches, Op op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output) =>
        Launch(launches, (TOp)op, inputs, output);

    protected abstract void Launch(KernelLaunches launches, TOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y);
}
