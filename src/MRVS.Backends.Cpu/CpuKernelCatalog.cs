using MRVS.Backends.Cpu.Ops;

namespace MRVS.Backends.Cpu;

/// <summary>
/// Every CPU kernel, grouped by the part of the model that introduced it (one partial file per group).
/// </summary>
internal static partial class CpuKernelCatalog
{
    public static IEnumerable<ICpuKernel> All =>
        [.. Basic, .. Backbone, .. Text, .. Fusion, .. Deformable, .. Heads, .. Masks];

    private static ICpuKernel[] Basic =>
    [
        new Linear(), new GroupedLinear(), new FeedForward(), new MatMul(), new Attention(), new LayerNorm(),
            new GroupNorm(), new Binary(), new Unary(),
        new Softmax(), new Permute(), new Slice(), new Concat(), new Conv2d(), new Interpolate(), new Embedding(),
            new Cast(),
    ];
}
