using MRVS.Backends.Cpu.Ops;

namespace MRVS.Backends.Cpu;

internal static partial class CpuKernelCatalog
{
    private static ICpuKernel[] Masks => [new DynamicMaskHead(), new ReferredQuery(), new ReferredMask()];
}
