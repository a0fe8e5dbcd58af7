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
/// <c>fmad: false</c> compiles the GPU's kernels with NVRTC's --fmad=false (cuda-emu never fuses: nothing changes
/// there);
/// <c>counters</c> runs cuda-emu's instrumented kernels (<see cref="EmulatorCounters"/>);
/// <c>graphs: false</c> keeps the cuda backends from replaying repeated runs as captured graphs (eager launches).
/// </summary>
public static class BackendFactory
{
    /// <param name="cpuThreads">Threads of the cpu backend (also when auto falls back to it); null for every core.</param>
    public static IBackend Create(string name, Precision precision = Precision.Fp32, bool fmad = true,
        bool counters = false, bool graphs = true, int? cpuThreads = null)
    {
        if (precision != Precision.Fp32 && name is "cpu")
            throw new ArgumentException($"precision {precision.Name()} needs the cuda or cuda-emu backend; the cpu backend computes in fp32");
        if (counters && name != "cuda-emu")
            throw new ArgumentException(
                $"counters come from the instrumented emulation: use --backend cuda-emu, not {name}");
        return name switch
        {
            "cpu" => new CpuBackend(cpuThreads),
            "cuda" => new CudaBackend(new CudaDevice(fmad: fmad), precision, graphs),
            "cuda-emu" => new CudaBackend(new EmulatedDevice(counters: counters), precision, graphs),
            "auto" => precision == Precision.Fp32
                ? TryCuda(fmad, graphs) ?? new CpuBackend(cpuThreads)
                : new CudaBackend(new CudaDevice(fmad: fmad), precision, graphs),
            _ => throw new ArgumentException($"unknown backend '{name}' (expected cpu, cuda, cuda-emu or auto)"),
        };
    }

    private static IBackend? TryCuda(bool fmad, bool graphs)
    {
        try { return new CudaBackend(new CudaDevice(fmad: fmad), graphs: graphs); }
        catch (CudaUnavailableException) { return null; }
    }
}
