namespace MRVS.Pipeline.Text;

/// <summary>
/// Sentences right-padded to the longest one, as <c>padding='longest'</c> gives them. Row-major [BatchSize, Length]
/// int64, the layout and dtype of the model's <c>text.input_ids</c> and <c>text.attention_mask</c> inputs.
/// </summary>
/// <param name="BatchSize">Sentences (rows).</param>
/// <param name="Length">Tokens per row: the longest sentence's.</param>
/// <param name="InputIds">Vocab ids; positions past a sentence's end hold the <c>&lt;pad&gt;</c> id.</param>
/// <param name="AttentionMask">1 on real tokens (<c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c> included), 0 on
/// padding.</param>
public sealed record TokenizedBatch(int BatchSize, int Length, long[] InputIds, long[] AttentionMask);
