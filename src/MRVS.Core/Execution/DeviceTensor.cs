using MRVS.Core.Graph;

namespace MRVS.Core.Execution;

/// <summary>
/// A typed pointer into a backend's memory (host memory for the CPU backend, a CUdeviceptr for CUDA).
/// </summary>
public readonly record struct DeviceTensor(nint Ptr, TensorType Type)
{
    public int[] Shape => Type.Shape;
    public long Elements => Type.Elements;
    public int Dim(int axis) => Type[axis];
}
