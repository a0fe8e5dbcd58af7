using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Models.Text;

public sealed record TextEncoderOutput(Value LastHidden, Value Pooler);

/// <summary>
/// Hugging Face RobertaModel (4.24) as the official code runs it: embeddings (word + position from the ids +
/// token type 0, LayerNorm), post-LN encoder layers with exact GELU, scores divided after QKᵀ, padded keys
/// masked, and the tanh pooler on the first token. Weights from the SOC checkpoint's <c>text_encoder.*</c>.
/// </summary>
public static class RobertaEncoder
{
    private const string P = "text_encoder";

    /// <param name="inputIds">I64 [1, L].</param>
    /// <param name="attentionMask">I64 [1, L], 1 for real tokens.</param>
    public static TextEncoderOutput Build(GraphBuilder b, Value inputIds, Value attentionMask)
    {
        var c = b.Config.Roberta;
        CheckInputs(c, inputIds, attentionMask);
        int hidden = c.HiddenSize;
        float eps = (float)c.LayerNormEps;
        b.Tap($"{P}.in.input_ids", inputIds);
        b.Tap($"{P}.in.attention_mask", attentionMask);
        // HF's position_ids buffer 0 … max_positions − 1; the positions are recomputed from the ids instead.
        b.Weights.Ignore($"{P}.embeddings.position_ids", DType.I64, 1, c.MaxPositions);

        var positions = b.Add(new RobertaPositionIdsOp(c.PadTokenId), $"{P}.embeddings.position_ids", inputIds);
        var words = b.Add(new EmbeddingOp(), $"{P}.embeddings.word_embeddings",
            b.Weight($"{P}.embeddings.word_embeddings.weight", c.VocabSize, hidden), inputIds);
        var pos = b.Add(new EmbeddingOp(), $"{P}.embeddings.position_embeddings",
            b.Weight($"{P}.embeddings.position_embeddings.weight", c.MaxPositions, hidden), positions);
        var type0 = b.Reshape(b.Slice(b.Weight($"{P}.embeddings.token_type_embeddings.weight", c.TypeVocabSize, hidden),
            0, 0, 1, $"{P}.embeddings.token_type_0"), $"{P}.embeddings.token_type_0.row", hidden);
        var sum = b.Plus(b.Plus(words, type0, $"{P}.embeddings.word_type"), pos, $"{P}.embeddings.sum");
        var h = b.LayerNorm(sum, $"{P}.embeddings.LayerNorm", eps);
        b.Tap($"{P}.embeddings.out", h);

        var padding = PaddingMask(b, attentionMask, $"{P}.key_padding_mask");
        for (int i = 0; i < c.NumLayers; i++)
        {
            string l = $"{P}.encoder.layer.{i}";
            var q = b.Linear(h, $"{l}.attention.self.query", hidden);
            var k = b.Linear(h, $"{l}.attention.self.key", hidden);
            var v = b.Linear(h, $"{l}.attention.self.value", hidden);
            var ctx = b.Add(new AttentionOp(c.NumHeads, AttentionScaling.ScaleScores, keyPaddingMask: true),
                $"{l}.attention.self", q, k, v, padding);
            var a = b.LayerNorm(b.Linear(ctx, $"{l}.attention.output.dense", hidden), $"{l}.attention.output.LayerNorm",
                eps, residual: h);
            var inter = b.Linear(a, $"{l}.intermediate.dense", c.IntermediateSize, Activation.Gelu);
            h = b.LayerNorm(b.Linear(inter, $"{l}.output.dense", hidden), $"{l}.output.LayerNorm", eps, residual: a);
            b.Tap($"{l}.out", h);
        }
        b.Tap($"{P}.last_hidden_state", h);
        var first = b.Reshape(b.Slice(h, 1, 0, 1, $"{P}.pooler.first_token"), $"{P}.pooler.first_token.row", 1, hidden);
        var pooler = b.Linear(first, $"{P}.pooler.dense", hidden, Activation.Tanh);
        b.Tap($"{P}.pooler_output", pooler);
        return new TextEncoderOutput(h, pooler);
    }

    /// <summary>The longest sentence, &lt;s&gt; and &lt;/s&gt; included: position ids run from pad + 1 to pad + L in a
    /// table of MaxPositions rows.</summary>
    public static int MaxTokens(RobertaConfig c) => c.MaxPositions - c.PadTokenId - 1;

    private static void CheckInputs(RobertaConfig c, Value inputIds, Value attentionMask)
    {
        if (inputIds.DType != DType.I64 || inputIds.Rank != 2 || inputIds.Dim(0) != 1 || inputIds.Dim(1) < 1)
            throw new ShapeException($"{P}: input ids are {inputIds.Type}, expected I64[1, L] (one sentence of L " +
                $"tokens)");
        if (!attentionMask.Type.Equals(inputIds.Type))
            throw new ShapeException($"{P}: attention mask is {attentionMask.Type}, expected {inputIds.Type} like " +
                $"the input ids");
        int maxTokens = MaxTokens(c);
        if (inputIds.Dim(1) > maxTokens)
            throw new ShapeException($"{P}: {inputIds.Dim(1)} tokens, but the position table has room for at most " +
                $"{maxTokens}");
    }

    /// <summary>Bool [1, L], True where the attention mask is 0 (padding), the convention of every other mask in the
    /// model.</summary>
    public static Value PaddingMask(GraphBuilder b, Value attentionMask, string name)
    {
        var real = b.Add(new CastOp(DType.F32), $"{name}.real", attentionMask);
        return b.Add(new CastOp(DType.Bool), name, b.Scale(real, -1f, $"{name}.inverted", beta: 1f));
    }
}
