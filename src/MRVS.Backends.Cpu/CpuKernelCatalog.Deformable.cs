using MRVS.Backends.Cpu.Ops;

namespace MRVS.Backends.Cpu;

internal static partial class CpuKernelCatalog
{
    private static ICpuKernel[] Deformable => [new MsDeformAttn(), new ValidRatio(), new DeformableReferencePoints()];
}
