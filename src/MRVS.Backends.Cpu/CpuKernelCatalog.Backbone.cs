using MRVS.Backends.Cpu.Ops;

namespace MRVS.Backends.Cpu;

internal static partial class CpuKernelCatalog
{
    private static ICpuKernel[] Backbone =>
    [
        new Pad(), new SwinWindowPartition(), new SwinWindowLayerNorm(), new SwinWindowMerge(), new WindowAttention(),
        new PatchMerge(),
    ];
}
