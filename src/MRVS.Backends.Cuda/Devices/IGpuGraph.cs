using MRVS.Core.Execution;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>Work recorded by <see cref="IGpuDevice.Capture"/>, replayed as a whole (a CUDA graph on the GPU) on the
/// device's stream.</summary>
public interface IGpuGraph : ICapturedWork;
