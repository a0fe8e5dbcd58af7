namespace MRVS.Pipeline.Text;

/// <summary>One sentence as the model sees it: <c>&lt;s&gt;</c>, the BPE ids, <c>&lt;/s&gt;</c>; every position is a
/// real token (attention mask all 1).</summary>
/// <param name="InputIds">Vocab ids, <c>&lt;s&gt;</c> first and <c>&lt;/s&gt;</c> last.</param>
/// <param name="Tokens">The vocab string of each id, in byte-level spelling (e.g. "Ġman"), for reports.</param>
public sealed record TokenizedText(int[] InputIds, string[] Tokens)
{
    /// <summary>Tokens, <c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c> included.</summary>
    public int Length => InputIds.Length;
}
