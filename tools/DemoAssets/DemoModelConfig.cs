using MRVS.Models.Config;

namespace MRVS.DemoAssets;

/// <summary>
/// The demo model's architecture (samples/demo/model, trained as socpp-shapes-demo): the socpp-tiny fixture's SOC++
/// shrunk until its weights are small. d_model stays 128 (the FPN's GroupNorm(8, d/16) needs a multiple of 128); a
/// (2, 3, 3) Swin window keeps the int64 relative_position_index buffers at 18×18; 66 position rows fit sentences of
/// 64 tokens (ids start at pad + 1). Named socpp-demo-random here: with synthetic weights it segments nothing.
/// </summary>
public static class DemoModelConfig
{
    public const string Variant = "socpp-demo-random";

    public static ModelConfig Create(int vocabSize) => new(
        ModelFamily.SocPlusPlus, Variant,
        new SwinConfig(EmbedDim: 8, Depths: [2, 2, 2, 2], NumHeads: [1, 2, 4, 8], PatchSize: [1, 4, 4], WindowSize: [2,
            3, 3], MlpRatio: 2.0, PatchNorm: true),
        new RobertaConfig(vocabSize, HiddenSize: 32, NumLayers: 1, NumHeads: 2, IntermediateSize: 64, MaxPositions: 66,
            TypeVocabSize: 1,
            LayerNormEps: 1e-5, PadTokenId: 1, BosTokenId: 0, EosTokenId: 2),
        new DeformableConfig(DModel: 128, NHeads: 8, DimFeedforward: 32, EncLayers: 1, DecLayers: 1, NumQueries: 5,
            NumFeatureLevels: 4,
            EncPoints: 1, DecPoints: 1),
        new VocConfig(NHeads: 4, DimFeedforward: 16, EncLayers: 1, DecLayers: 1, NumQueries: 5, NumFrameQueries: 5,
            WindowSize: 0),
        NumClasses: 1, MaskKernelsDim: 8, ControllerLayers: 3, DynamicMaskChannels: 8, RelCoord: true,
            NumProxyQueries: 4);
}
