using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Models.Building;

namespace MRVS.Models.Backbone;

/// <summary>Swin stage outputs [T, C_s, h_s, w_s] (before patch merging, no output norm) and the pixel mask resized to each.</summary>
public sealed record BackboneOutput(Value[] Features, Value[] Masks);

/// <summary>
/// The Video Swin Transformer backbone (<c>backbone.0.body</c>) for one clip (B = 1), channels-last inside:
/// patch embedding (right/bottom zero padding to multiples of 4, 1×4×4 conv, LayerNorm), four stages of
/// shifted-window blocks, patch merging between stages. Plus the Joiner's masks (<c>backbone.1</c>).
/// </summary>
public static class VideoSwinTransformer
{
    private const string P = "backbone.0.body";

    /// <param name="frames">Normalised frames F32 [T, 3, H, W].</param>
    /// <param name="pixelMask">Bool [T, H, W], True on padding.</param>
    public static BackboneOutput Build(GraphBuilder b, Value frames, Value pixelMask)
    {
        var cfg = b.Config.Swin;
        int t = frames.Dim(0), c0 = cfg.EmbedDim;
        var x = PatchEmbed(b, frames, c0);
        int[] shift = cfg.WindowSize.Select(s => s / 2).ToArray();
        var features = new Value[cfg.Depths.Length];
        var masks = new Value[cfg.Depths.Length];
        for (int s = 0; s < cfg.Depths.Length; s++)
        {
            int h = x.Dim(1), w = x.Dim(2), c = x.Dim(3);
            var window = SwinWindowTables.Clip(cfg.WindowSize, shift, t, h, w);
            var plain = new SwinWindow(window.Size, [0, 0, 0]);
            var mask = window.Shift.Any(v => v > 0) ? b.Constant($"{P}.layers.{s}.attn_mask", SwinWindowTables.ShiftMask(window, t, h, w)) : null;
            for (int j = 0; j < cfg.Depths[s]; j++)
            {
                string prefix = $"{P}.layers.{s}.blocks.{j}";
                bool shifted = j % 2 == 1 && mask is not null;
                x = SwinBlock.Build(b, x, prefix, cfg.NumHeads[s], shifted ? window : plain, shifted ? mask : null);
                b.Tap($"{prefix}.out", b.Reshape(x, $"{prefix}.out", 1, t, h, w, c));
            }
            features[s] = b.Permute(x, $"backbone.out.{s}", 0, 3, 1, 2);
            b.Tap($"backbone.out.{s}", features[s]);
            masks[s] = b.Add(new InterpolateOp(InterpolationMode.Nearest, h, w), $"backbone.mask.{s}", pixelMask);
            b.Tap($"backbone.mask.{s}", masks[s]);
            if (s < cfg.Depths.Length - 1) x = PatchMerging(b, x, s);
        }
        return new BackboneOutput(features, masks);
    }

    private static Value PatchEmbed(GraphBuilder b, Value frames, int c0)
    {
        string p = $"{P}.patch_embed";
        int t = frames.Dim(0), h = frames.Dim(2), w = frames.Dim(3);
        var (ph, pw) = (b.Config.Swin.PatchSize[1], b.Config.Swin.PatchSize[2]);
        var padded = h % ph == 0 && w % pw == 0 ? frames : b.Add(new PadOp(0, 0, (ph - h % ph) % ph, (pw - w % pw) % pw), $"{p}.pad", frames);
        var weight = b.Reshape(b.Weight($"{p}.proj.weight", c0, 3, b.Config.Swin.PatchSize[0], ph, pw), $"{p}.proj.weight2d", c0, 3, ph, pw);
        var conv = b.Add(new Conv2dOp(stride: ph), $"{p}.proj", padded, weight, b.Weight($"{p}.proj.bias", c0));
        var tokens = b.LayerNorm(b.Permute(conv, $"{p}.channels_last", 0, 2, 3, 1), $"{p}.norm");
        int hh = tokens.Dim(1), ww = tokens.Dim(2);
        b.Tap($"{p}.out", b.Reshape(b.Permute(tokens, $"{p}.out.cthw", 3, 0, 1, 2), $"{p}.out", 1, c0, t, hh, ww));
        return tokens;
    }

    private static Value PatchMerging(GraphBuilder b, Value x, int s)
    {
        string p = $"{P}.downsamples.{s}";
        int c = x.Dim(3);
        var gathered = b.Add(new PatchMergeOp(), $"{p}.gather", x);
        var y = b.Linear(b.LayerNorm(gathered, $"{p}.norm"), $"{p}.reduction", 2 * c, bias: false);
        b.Tap($"{p}.out", b.Reshape(y, $"{p}.out", [1, .. y.Shape]));
        return y;
    }
}
