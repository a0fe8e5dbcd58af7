using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Models.Building;

namespace MRVS.Models.Text;

/// <summary>
/// The text side as the fusion modules consume it (B = 1): word features through txt_proj [1, L, d] (seq-first
/// [L, 1, d] is the same memory), their 1-D sine encoding [1, L, d], the padding mask Bool [1, L] and the pooled
/// sentence through txt_proj [1, d] (SOC's VOC language query).
/// </summary>
public sealed record TextFeatures(Value Memory, Value Pos, Value PaddingMask, Value Sentence)
{
    /// <summary>FeatureResizer: Linear then LayerNorm with eps 1e-12 (dropout is inert at eval).</summary>
    private static Value TxtProj(GraphBuilder b, Value x, string name)
    {
        int d = b.Config.Transformer.DModel;
        var y = b.Add(new LinearOp(), name, x, b.Weight("txt_proj.fc.weight", d, x.Dim(-1)),
            b.Weight("txt_proj.fc.bias", d));
        return b.Add(new LayerNormOp(1e-12f), $"{name}.layer_norm", y, b.Weight("txt_proj.layer_norm.weight", d),
            b.Weight("txt_proj.layer_norm.bias", d));
    }

    public static TextFeatures Build(GraphBuilder b, TextEncoderOutput encoded, Value attentionMask)
    {
        int d = b.Config.Transformer.DModel, len = encoded.LastHidden.Dim(1);
        if (!attentionMask.Shape.AsSpan().SequenceEqual([1, len]))
            throw new ShapeException($"text features: attention mask is {attentionMask.Type}, expected [1, {len}] " +
                $"like the {len} encoded tokens");
        var memory = TxtProj(b, encoded.LastHidden, "txt_proj.word");
        b.Tap("txt_proj.word.out", b.Reshape(memory, "txt_proj.word.out", len, 1, d));
        var sentence = TxtProj(b, encoded.Pooler, "txt_proj.sentence");
        b.Tap("txt_proj.sentence.out", sentence);

        var padding = RobertaEncoder.PaddingMask(b, attentionMask, "text_pos.in.mask");
        b.Tap("text_pos.in.mask", padding);
        var pe = b.Add(new SinePositionEncodingOp(d, twoDimensional: false), "text_pos", padding);
        b.Tap("text_pos.out", pe);
        var pos = b.Permute(pe, "text_pos.sequence_first", 0, 2, 1);
        return new TextFeatures(memory, pos, padding, sentence);
    }
}
