using MRVS.Backends.Cpu.Ops;

namespace MRVS.Backends.Cpu;

internal static partial class CpuKernelCatalog
{
    private static ICpuKernel[] Deformable =>
        [new MsDeformAttn(), new DeformableSamplingLocations(), new ValidRatio(), new DeformableReferencePoints()];
}
