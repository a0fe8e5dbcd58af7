using MRVS.Core.Execution;
using MRVS.Core.Graph;

namespace MRVS.Backends.Cpu;

/// <summary>
/// The CPU reference implementation of one op kind (the numerical reference of the CUDA kernel of the same name).
/// </summary>
public interface ICpuKernel
{
    Type OpType { get; }
    void Run(Op op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output);
}

public abstract class CpuKernel<TOp> : ICpuKernel where TOp : Op
{
    public Type OpType => typeof(TOp);
    public void Run(Op op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output) => Run((TOp)op, inputs, output);
    protected abstract void Run(TOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output);
}
