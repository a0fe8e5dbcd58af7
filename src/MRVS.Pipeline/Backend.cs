using MRVS.Core.Errors;

namespace MRVS.Pipeline;

/// <summary>Where a model runs.</summary>
public enum Backend
{
    /// <summary>The GPU when one is usable (fp32), else the CPU; with fp16 / bf16 the GPU is required.</summary>
    Auto,

    /// <summary>The CPU: the numerical reference.</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through the driver API, NVRTC and cuBLAS.</summary>
    Cuda,

    /// <summary>The CUDA backend with its kernels emulated on the CPU (build/emu, for tests and debugging).</summary>
    CudaEmu,
}

/// <summary>The names the command line and messages use for <see cref="Backend"/>: auto, cpu, cuda, cuda-emu.</summary>
public static class BackendNames
{
    /// <summary>Every name, in the order of <see cref="Backend"/>.</summary>
    public static IReadOnlyList<string> All { get; } = ["auto", "cpu", "cuda", "cuda-emu"];

    /// <summary>The backend's name: auto, cpu, cuda or cuda-emu.</summary>
    public static string Name(this Backend backend) => All[(int)backend];

    /// <summary>
    /// The backend named <paramref name="name"/> (case-insensitive; "cuda_emu" also reads as cuda-emu).
    /// </summary>
    public static Backend Parse(string name) => TryParse(name, out var b)
        ? b
        : throw new MrvsException(MrvsErrorKind.BadInput,
            $"unknown backend '{name}' (expected {string.Join(", ", All)})");

    /// <summary>
    /// The backend named <paramref name="name"/>, if it names one (as <see cref="Parse"/> reads names).
    /// </summary>
    public static bool TryParse(string? name, out Backend backend)
    {
        var wanted = name?.Trim().Replace('_', '-');
        int i = All.ToList().FindIndex(n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase));
        backend = i < 0 ? default : (Backend)i;
        return i >= 0;
    }

    /// <summary>Whether the backend computes in host memory (its arena is bounded by the machine's memory).</summary>
    public static bool RunsOnHost(this Backend backend) => backend is Backend.Cpu or Backend.CudaEmu;
}
