using MRVS.Backends.Cpu;
using MRVS.Core.Execution;

namespace MRVS.Pipeline;

/// <summary>Creates a backend by its CLI name.</summary>
public static class BackendFactory
{
    public static IBackend Create(string name) => name switch
    {
        "cpu" or "auto" => new CpuBackend(),
        "cuda" or "cuda-emu" => throw new NotSupportedException($"backend '{name}' is not available in this build yet; the CPU backend remains available (--backend cpu)"),
        _ => throw new ArgumentException($"unknown backend '{name}' (expected cpu, cuda, cuda-emu or auto)"),
    };
}
