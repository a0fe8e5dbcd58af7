using MRVS.Backends.Cpu;
using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Emulation;
using MRVS.Backends.Cuda.Interop;
using MRVS.Core.Execution;

namespace MRVS.Pipeline;

/// <summary>
/// Creates a backend by its CLI name: cpu, cuda (GPU), cuda-emu (the CUDA kernels emulated on the CPU), or auto (cuda
/// when a GPU is usable, else cpu). fp16 / bf16 GEMMs exist on the cuda backends only; auto falls back to cpu only in fp32.
/// </summary>
public static class BackendFactory
{
    /// <param name="cpuThreads">Threads of the cpu backend (also when auto falls back to it); null for every core.</param>
    public static IBackend Create(string name, Precision precision = Precision.Fp32, int? cpuThreads = null)
    {
        if (precision != Precision.Fp32 && name is "cpu")
            throw new ArgumentException($"precision {precision.Name()} needs the cuda or cuda-emu backend; the cpu backend computes in fp32");
        return name switch
        {
            "cpu" => new CpuBackend(cpuThreads),
            "cuda" => new CudaBackend(new CudaDevice(), precision),
            "cuda-emu" => new CudaBackend(new EmulatedDevice(), precision),
            "auto" => precision == Precision.Fp32 ? TryCuda() ?? new CpuBackend(cpuThreads) : new CudaBackend(new CudaDevice(), precision),
            _ => throw new ArgumentException($"unknown backend '{name}' (expected cpu, cuda, cuda-emu or auto)"),
        };
    }

    private static IBackend? TryCuda()
    {
        try { return new CudaBackend(new CudaDevice()); }
        catch (CudaUnavailableException) { return null; }
    }
}
