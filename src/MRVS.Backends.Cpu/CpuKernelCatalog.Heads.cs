namespace MRVS.Backends.Cpu;

internal static partial class CpuKernelCatalog
{
    private static ICpuKernel[] Heads => [];
}
