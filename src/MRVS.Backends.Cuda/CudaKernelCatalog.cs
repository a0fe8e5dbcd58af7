using MRVS.Backends.Cuda.Ops;

namespace MRVS.Backends.Cuda;

/// <summary>Every CUDA launch, one per op kind (the same kinds as the CPU backend's catalog), grouped by the part of
/// the model that introduced it.</summary>
internal static class CudaKernelCatalog
{
    public static IEnumerable<ICudaKernel> All =>
    [
        new Linear(), new GroupedLinear(), new FeedForward(), new MatMul(), new Attention(), new LayerNorm(),
            new GroupNorm(), new Binary(), new Unary(),
        new Softmax(), new Permute(), new Slice(), new Concat(), new Conv2d(), new Interpolate(), new Embedding(),
            new Cast(),
        new Pad(), new SwinWindowPartition(), new SwinWindowLayerNorm(), new SwinWindowMerge(), new WindowAttention(),
            new PatchMerge(),
        new RobertaPositionIds(), new SinePositionEncoding(),
        new CrossModalFusion(),
        new MsDeformAttn(), new ValidRatio(), new DeformableReferencePoints(),
        new Bmrw(), new LanguageMatchScore(), new CumulativeMean(), new FrameScoreAggregation(),
        new DynamicMaskHead(), new ReferredQuery(), new ReferredMask(),
    ];
}
