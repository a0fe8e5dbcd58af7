using MRVS.Backends.Cpu;
using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Emulation;
using MRVS.Backends.Cuda.Interop;
using MRVS.Core.Errors;
using MRVS.Core.Execution;

namespace MRVS.Pipeline;

/// <summary>
/// Creates a backend: cpu, cuda (GPU), cuda-emu (the CUDA kernels emulated on the CPU), or auto (cuda when a GPU is
/// usable, else cpu). fp16 / bf16 GEMMs exist on the cuda backends only; auto falls back to cpu only in fp32.
/// </summary>
public static class BackendFactory
{
    /// <summary>The backend named by <paramref name="backend"/> (see <see cref="CreateResolved"/>).</summary>
    public static IBackend Create(Backend backend, Precision precision = Precision.Fp32, int? threads = null) =>
        CreateResolved(backend, precision, threads).Backend;

    /// <summary>The backend, and which one <see cref="Backend.Auto"/> resolved to on this machine.</summary>
    /// <param name="backend">Which backend; <see cref="Backend.Auto"/> tries the GPU first.</param>
    /// <param name="precision">GEMM arithmetic; fp16 and bf16 need a cuda backend.</param>
    /// <param name="threads">
    /// CPU threads for the host backends' parallel loops; null keeps the current setting (one per core by default). The
    /// CPU backend's thread count is process-wide (<see cref="CpuParallel.MaxThreads"/>).
    /// </param>
    public static (IBackend Backend, Backend Resolved) CreateResolved(Backend backend,
        Precision precision = Precision.Fp32, int? threads = null)
    {
        if (threads is { } n)
        {
            if (n < 1) throw new MrvsException(MrvsErrorKind.BadInput, $"thread count {n} must be at least 1");
            CpuParallel.MaxThreads = n;
        }
        if (precision != Precision.Fp32 && backend is Backend.Cpu)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"precision {precision.Name()} needs the cuda or cuda-emu backend; the cpu backend computes in fp32");
        return backend switch
        {
            Backend.Cpu => (new CpuBackend(), Backend.Cpu),
            Backend.Cuda => (new CudaBackend(new CudaDevice(), precision), Backend.Cuda),
            Backend.CudaEmu => (new CudaBackend(new EmulatedDevice(), precision), Backend.CudaEmu),
            _ when precision != Precision.Fp32 => (new CudaBackend(new CudaDevice(), precision), Backend.Cuda),
            _ => TryCuda() is { } cuda ? (cuda, Backend.Cuda) : (new CpuBackend(), Backend.Cpu),
        };
    }

    private static IBackend? TryCuda()
    {
        try { return new CudaBackend(new CudaDevice()); }
        catch (CudaUnavailableException) { return null; }
    }
}
