using MRVS.Core.Graph;

namespace MRVS.Core.Execution;

/// <summary>
/// A typed pointer into a backend's memory (host memory for the CPU backend, a CUdeviceptr for CUDA). A node's output
/// that the backend also keeps as a copy in another element type (<see cref="IBackend.StoredCopies"/>) carries the
/// copy's address in <paramref name="Copy"/>, for the producer to write both; 0 otherwise.
/// </summary>
public readonly record struct DeviceTensor(nint Ptr, TensorType Type, nint Copy = 0)
{
    public int[] Shape => Type.Shape;
    public long Elements => Type.Elements;
    public int Dim(int axis) => Type[axis];
}
