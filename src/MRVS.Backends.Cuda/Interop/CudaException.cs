using MRVS.Core.Errors;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>A CUDA driver, NVRTC or cuBLAS call that returned an error: names the call, the code and what was being
/// done.</summary>
public sealed class CudaException(string call, int code, string codeName, string context)
    : MrvsException(MrvsErrorKind.Device,
        $"{call} failed with {codeName} ({code}){(context.Length > 0 ? $" while {context}" : "")}")
{
    public string Call { get; } = call;
    public int Code { get; } = code;
}

/// <summary>The CUDA driver or one of the libraries is not installed; the CPU backend remains usable.</summary>
public sealed class CudaUnavailableException(string message) : MrvsException(MrvsErrorKind.Device, message);
