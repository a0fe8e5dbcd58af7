using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;

namespace MRVS.Models.Backbone;

/// <summary>
/// One Video Swin block (SwinTransformerBlock3D) on channels-last tokens [D, H, W, C]: x + WindowAttention(LN1(x))
/// then x + MLP(LN2(x)). LN1 comes before the zero padding to window multiples, and padded tokens are not masked
/// (upstream behaviour); the window is already clipped to the volume.
/// </summary>
public static class SwinBlock
{
    /// <param name="shiftRegions">The stage's shift-mask region labels [nW, N] for a shifted block, null for a regular
    /// one.</param>
    public static Value Build(GraphBuilder b, Value x, string prefix, int heads, SwinWindow window, Value? shiftRegions)
    {
        int d = x.Dim(0), h = x.Dim(1), w = x.Dim(2), c = x.Dim(3);
        var full = b.Config.Swin.WindowSize;
        var table = b.Constant($"{prefix}.attn.relative_position_bias_table",
            BiasTable(b, $"{prefix}.attn", heads, full));

        var y = b.LayerNorm(x, $"{prefix}.norm1");
        var windows = b.Add(new SwinWindowPartitionOp(window), $"{prefix}.attn.windows", y);
        var qkv = b.Linear(windows, $"{prefix}.attn.qkv", 3 * c);
        var attended = shiftRegions is null
            ? b.Add(new WindowAttentionOp(heads, masked: false, full), $"{prefix}.attn", qkv, table)
            : b.Add(new WindowAttentionOp(heads, masked: true, full), $"{prefix}.attn", qkv, table, shiftRegions);
        var projected = b.Linear(attended, $"{prefix}.attn.proj", c);
        var merged = b.Add(new SwinWindowMergeOp(window, d, h, w), $"{prefix}.attn.merge", projected);
        x = b.Plus(x, merged, $"{prefix}.residual1");

        int hidden = (int)(c * b.Config.Swin.MlpRatio);
        var mlp = b.Linear(b.Linear(b.LayerNorm(x, $"{prefix}.norm2"), $"{prefix}.mlp.fc1", hidden, Activation.Gelu),
            $"{prefix}.mlp.fc2", c);
        return b.Plus(x, mlp, $"{prefix}.residual2");
    }

    /// <summary>The block's relative position bias table [heads, R], its index checked to be Swin's.</summary>
    private static Tensor BiasTable(GraphBuilder b, string attn, int heads, int[] full)
    {
        int fullTokens = full[0] * full[1] * full[2];
        var table = b.Weights.F32($"{attn}.relative_position_bias_table", WindowAttentionOp.TableRowsOf(full), heads);
        var index = b.Weights.Get($"{attn}.relative_position_index", DType.I64, fullTokens, fullTokens);
        return SwinWindowTables.BiasTable(table, index, full, $"{attn}.relative_position_index");
    }
}
