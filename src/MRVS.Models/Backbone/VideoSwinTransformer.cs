using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Models.Backbone;

/// <summary>Swin stage outputs [T, C_s, h_s, w_s] (before patch merging, no output norm) and the pixel mask resized to
/// each.</summary>
public sealed record BackboneOutput(Value[] Features, Value[] Masks);

/// <summary>
/// The Video Swin Transformer backbone (<c>backbone.0.body</c>) for one clip (B = 1), channels-last inside:
/// patch embedding (right/bottom zero padding to multiples of the patch, per-frame patchify conv, LayerNorm), the
/// stages of shifted-window blocks, patch merging between stages. Plus the Joiner's masks (<c>backbone.1</c>).
/// </summary>
public static class VideoSwinTransformer
{
    private const string P = "backbone.0.body";

    /// <param name="frames">Normalised frames F32 [T, 3, H, W].</param>
    /// <param name="pixelMask">Bool [T, H, W], True on padding.</param>
    public static BackboneOutput Build(GraphBuilder b, Value frames, Value pixelMask)
    {
        var cfg = b.Config.Swin;
        CheckConfig(cfg);
        CheckInputs(frames, pixelMask);
        int t = frames.Dim(0), stages = cfg.Depths.Length;
        var x = PatchEmbed(b, frames);
        int[] shift = cfg.WindowSize.Select(s => s / 2).ToArray();
        var features = new Value[stages];
        var masks = new Value[stages];
        for (int s = 0; s < stages; s++)
        {
            int h = x.Dim(1), w = x.Dim(2), c = x.Dim(3);
            // BasicLayer: one clipped window and one shift mask for the stage; even blocks do not shift.
            var window = SwinWindowTables.Clip(cfg.WindowSize, shift, t, h, w);
            var regular = new SwinWindow(window.Size, [0, 0, 0]);
            var regions = window.Shift.Any(v => v > 0) ? b.Constant($"{P}.layers.{s}.shift_regions",
                SwinWindowTables.ShiftRegions(window, t, h, w)) : null;
            for (int j = 0; j < cfg.Depths[s]; j++)
            {
                string prefix = $"{P}.layers.{s}.blocks.{j}";
                bool shifted = j % 2 == 1 && regions is not null;
                x = SwinBlock.Build(b, x, prefix, cfg.NumHeads[s], shifted ? window : regular, shifted ? regions
                    : null);
                b.Tap($"{prefix}.out", b.Reshape(x, $"{prefix}.out", 1, t, h, w, c));
            }
            features[s] = b.Permute(x, $"backbone.out.{s}", 0, 3, 1, 2);
            b.Tap($"backbone.out.{s}", features[s]);
            masks[s] = b.Add(new InterpolateOp(InterpolationMode.Nearest, h, w), $"backbone.mask.{s}", pixelMask);
            b.Tap($"backbone.mask.{s}", masks[s]);
            if (s < stages - 1) x = PatchMerging(b, x, s);
        }
        return new BackboneOutput(features, masks);
    }

    /// <summary>Configurations this port can build: every Video Swin of SOC / SOC++ (T, S, B) is one of them.</summary>
    private static void CheckConfig(SwinConfig cfg)
    {
        void Require(bool ok, string message)
        {
            if (!ok) throw new ModelConfigException($"{P} (Video Swin): {message}");
        }
        Require(cfg.Depths.Length > 0 && cfg.Depths.Length == cfg.NumHeads.Length && cfg.Depths.All(d => d > 0),
            $"depths [{string.Join(", ", cfg.Depths)}] and num_heads [{string.Join(", ", cfg.NumHeads)}] must name " +
                $"the same stages, each with blocks");
        Require(cfg.WindowSize.Length == 3 && cfg.WindowSize.All(s => s > 0),
            $"window_size [{string.Join(", ", cfg.WindowSize)}] must be 3 positive sizes (t, h, w)");
        Require(cfg.PatchSize is [1, var ph, var pw] && ph == pw && ph > 0,
            $"patch_size [{string.Join(", ", cfg.PatchSize)}] must be (1, p, p): a temporal patch of 1 keeps one " +
                $"feature map per frame");
        Require(cfg.EmbedDim > 0 && cfg.MlpRatio > 0,
            $"embed_dim {cfg.EmbedDim} and mlp_ratio {cfg.MlpRatio} must be positive");
        for (int s = 0; s < cfg.Depths.Length; s++)
            Require(cfg.NumHeads[s] > 0 && (cfg.EmbedDim << s) % cfg.NumHeads[s] == 0,
                $"stage {s} has {cfg.EmbedDim << s} channels, not divisible by its {cfg.NumHeads[s]} heads");
    }

    private static void CheckInputs(Value frames, Value pixelMask)
    {
        if (frames.DType != DType.F32 || frames.Rank != 4 || frames.Dim(1) != 3 || frames.Shape.Any(d => d <= 0))
            throw new ShapeException($"{P}: frames are {frames.Type}, expected F32[T, 3, H, W] (normalised RGB " +
                $"frames of one clip)");
        int t = frames.Dim(0), h = frames.Dim(2), w = frames.Dim(3);
        if (pixelMask.DType != DType.Bool || !pixelMask.Shape.AsSpan().SequenceEqual([t, h, w]))
            throw new ShapeException($"{P}: pixel mask is {pixelMask.Type}, expected Bool[{t}, {h}, {w}] (frames, " +
                $"height, width) like the frames");
    }

    /// <summary>PatchEmbed3D with a (1, p, p) patch: right/bottom zero padding, a per-frame p×p stride-p conv, then
    /// (patch_norm) LayerNorm.</summary>
    private static Value PatchEmbed(GraphBuilder b, Value frames)
    {
        string p = $"{P}.patch_embed";
        var cfg = b.Config.Swin;
        int t = frames.Dim(0), h = frames.Dim(2), w = frames.Dim(3), c0 = cfg.EmbedDim, patch = cfg.PatchSize[1];
        int padH = (patch - h % patch) % patch, padW = (patch - w % patch) % patch;
        var padded = padH == 0 && padW == 0 ? frames : b.Add(new PadOp(0, 0, padH, padW), $"{p}.pad", frames);
        var weight = b.Reshape(b.Weight($"{p}.proj.weight", c0, 3, 1, patch, patch), $"{p}.proj.weight2d", c0, 3, patch,
            patch);
        var conv = b.Add(new Conv2dOp(stride: patch), $"{p}.proj", padded, weight, b.Weight($"{p}.proj.bias", c0));
        var tokens = b.Permute(conv, $"{p}.channels_last", 0, 2, 3, 1);
        if (cfg.PatchNorm) tokens = b.LayerNorm(tokens, $"{p}.norm");
        int hh = tokens.Dim(1), ww = tokens.Dim(2);
        b.Tap($"{p}.out", b.Reshape(b.Permute(tokens, $"{p}.out.cthw", 3, 0, 1, 2), $"{p}.out", 1, c0, t, hh, ww));
        return tokens;
    }

    /// <summary>PatchMerging: gather the 2×2 phases (odd sizes zero-padded) → LayerNorm(4C) → Linear 4C → 2C
    /// without bias.</summary>
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
