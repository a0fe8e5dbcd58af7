using MRVS.Backends.Cpu.Ops;

namespace MRVS.Backends.Cpu;

internal static partial class CpuKernelCatalog
{
    private static ICpuKernel[] Heads =>
        [new Bmrw(), new LanguageMatchScore(), new CumulativeMean(), new FrameScoreAggregation()];
}
