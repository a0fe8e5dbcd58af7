using MRVS.Core.Execution;
using MRVS.Core.Graph;

namespace MRVS.Backends.Cuda;

/// <summary>How one op kind runs on a GPU device: the grid, block and arguments of its kernels in kernels/ (and its
/// GEMMs).</summary>
public interface ICudaKernel
{
    Type OpType { get; }
    void Launch(KernelLaunches launches, Op op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output);

    /// <summary>Whether the launch stores the node's output in the 16-bit type its output tensor is given (F16 or
    /// BF16) when that is not F32 (<see cref="NarrowedActivations"/>).</summary>
    bool WritesNarrowed(Node node);

    /// <summary>Whether the launch also stores the node's float32 output in the GEMMs' 16-bit type at the output's
    /// <see cref="DeviceTensor.Copy"/> when it is given one (<see cref="NarrowedActivations.Copies"/>).</summary>
    bool WritesCopy(Node node);

    /// <summary>Whether the launch reads input <paramref name="input"/> only as a GEMM operand, as is when it is given
    /// in the GEMMs' 16-bit type (<see cref="NarrowedActivations"/>).</summary>
    bool ReadsNarrowed(Node node, int input);
}

/// <summary>The CUDA launch of <typeparamref name="TOp"/>, the counterpart of its CPU reference kernel of the same
/// name.</summary>
public abstract class CudaKernel<TOp> : ICudaKernel where TOp : Op
{
    public Type OpType => typeof(TOp);

    public void Launch(KernelLaunches launches, Op op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output) =>
        Launch(launches, (TOp)op, inputs, output);

    protected abstract void Launch(KernelLaunches launches, TOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y);

    public virtual bool WritesNarrowed(Node node) => false;
    public virtual bool WritesCopy(Node node) => false;
    public virtual bool ReadsNarrowed(Node node, int input) => false;
}
