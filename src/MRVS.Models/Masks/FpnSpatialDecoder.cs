using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Models.Building;

namespace MRVS.Models.Masks;

/// <summary>
/// The FPN spatial decoder (<c>spatial_decoder</c>): from the encoder memory at stride 32 up to stride 4, adding
/// 1×1-adapted skips (memory at 16 and 8, Swin stage 0 at 4) after nearest resizing to each skip's exact size;
/// 3×3 convs with GroupNorm(8) + ReLU; a final 3×3 conv to the mask-kernel channels.
/// </summary>
public static class FpnSpatialDecoder
{
    private const string P = "spatial_decoder";

    /// <param name="memoryLevels">Encoder memory of the strides 8, 16, 32 as [T, d, h, w].</param>
    /// <param name="stage0">Swin stage-0 output [T, C0, h4, w4].</param>
    /// <returns>Mask features [T, mask_kernels_dim, h4, w4].</returns>
    public static Value Build(GraphBuilder b, IReadOnlyList<Value> memoryLevels, Value stage0)
    {
        int d = b.Config.Transformer.DModel;
        int[] dims = [d, d / 2, d / 4, d / 8, d / 16];
        var skips = new[] { memoryLevels[1], memoryLevels[0], stage0 };
        b.Tap($"{P}.in.x", memoryLevels[2]);
        for (int i = 0; i < skips.Length; i++) b.Tap($"{P}.in.layer_features.{i}", skips[i]);

        var x = ConvGnRelu(b, memoryLevels[2], 1, dims[0]);
        x = ConvGnRelu(b, x, 2, dims[1]);
        for (int i = 0; i < skips.Length; i++)
        {
            var lateral = Conv(b, skips[i], $"{P}.adapter{i + 1}", dims[i + 1], kernel: 1);
            var up = b.Add(new InterpolateOp(InterpolationMode.Nearest, lateral.Dim(2), lateral.Dim(3)),
                $"{P}.upsample{i + 1}", x);
            x = ConvGnRelu(b, b.Plus(lateral, up, $"{P}.skip{i + 1}"), i + 3, dims[i + 2]);
        }
        var output = Conv(b, x, $"{P}.out_lay", b.Config.MaskKernelsDim, kernel: 3);
        b.Tap($"{P}.out", output);
        b.Tap("mask_features", b.Reshape(output, "mask_features", [1, .. output.Shape]));
        return output;
    }

    private static Value Conv(GraphBuilder b, Value x, string prefix, int outChannels, int kernel)
    {
        var w = b.Weight($"{prefix}.weight", outChannels, x.Dim(1), kernel, kernel);
        return b.Add(new Conv2dOp(1, kernel / 2), prefix, x, w, b.Weight($"{prefix}.bias", outChannels));
    }

    private static Value ConvGnRelu(GraphBuilder b, Value x, int layer, int outChannels)
    {
        var conv = Conv(b, x, $"{P}.lay{layer}", outChannels, kernel: 3);
        string gn = $"{P}.gn{layer}";
        return b.Add(new GroupNormOp(8, 1e-5f, relu: true), gn, conv, b.Weight($"{gn}.weight", outChannels),
            b.Weight($"{gn}.bias", outChannels));
    }
}
