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
    public static IBackend Create(Backend backend, Precision precision = Precision.Fp32, int? threads = null,
        bool fmad = true, bool counters = false, bool graphs = true) =>
        CreateResolved(backend, precision, threads, fmad, counters, graphs).Backend;

    /// <summary>The backend, and which one <see cref="Backend.Auto"/> resolved to on this machine.</summary>
    /// <param name="backend">Which backend; <see cref="Backend.Auto"/> tries the GPU first.</param>
    /// <param name="precision">GEMM arithmetic; fp16 and bf16 need a cuda backend.</param>
    /// <param name="threads">
    /// Threads of the cpu backend (also when auto falls back to it); null for every core.
    /// </param>
    /// <param name="fmad">
    /// false compiles the GPU's kernels with NVRTC's --fmad=false (cuda-emu never fuses: nothing changes there).
    /// </param>
    /// <param name="counters">Run cuda-emu's instrumented kernels (<see cref="EmulatorCounters"/>).</param>
    /// <param name="graphs">false keeps the cuda backends from replaying repeated runs as captured graphs.</param>
    public static (IBackend Backend, Backend Resolved) CreateResolved(Backend backend,
        Precision precision = Precision.Fp32, int? threads = null, bool fmad = true, bool counters = false,
        bool graphs = true)
    {
        if (threads is < 1)
            throw new MrvsException(MrvsErrorKind.BadInput, $"thread count {threads} must be at least 1");
        if (precision != Precision.Fp32 && backend is Backend.Cpu)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"precision {precision.Name()} needs the cuda or cuda-emu backend; the cpu backend computes in fp32");
        if (counters && backend is not Backend.CudaEmu)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"counters come from the instrumented emulation: use --backend cuda-emu, not {backend.Name()}");
        return backend switch
        {
            Backend.Cpu => (new CpuBackend(threads), Backend.Cpu),
            Backend.Cuda => (new CudaBackend(new CudaDevice(fmad: fmad), precision, graphs), Backend.Cuda),
            Backend.CudaEmu => (new CudaBackend(new EmulatedDevice(counters: counters), precision, graphs),
                Backend.CudaEmu),
            _ when precision != Precision.Fp32 =>
                (new CudaBackend(new CudaDevice(fmad: fmad), precision, graphs), Backend.Cuda),
            _ => TryCuda(fmad, graphs) is { } cuda ? (cuda, Backend.Cuda) : (new CpuBackend(threads), Backend.Cpu),
        };
    }

    private static IBackend? TryCuda(bool fmad, bool graphs)
    {
        try { return new CudaBackend(new CudaDevice(fmad: fmad), graphs: graphs); }
        catch (CudaUnavailableException) { return null; }
    }
}
