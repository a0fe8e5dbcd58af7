using System.Collections.Concurrent;
using MRVS.Core.Errors;

namespace MRVS.Pipeline.Text;

/// <summary>
/// The BPE model of GPT-2: a pre-tokenised piece, spelled in <see cref="ByteLevelAlphabet"/> characters, starts as one
/// symbol per character; the adjacent pair with the lowest merge rank is merged everywhere (left to right, without
/// overlap) until no adjacent pair has a rank, and each final symbol is looked up in the vocab. Thread-safe.
/// </summary>
internal sealed class BytePairEncoder
{
    // Referring expressions repeat a small vocabulary of words; the bound only keeps a long-running process from
    // growing without limit on unusual input.
    private const int CacheLimit = 100_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(string, string), int> _ranks;
    private readonly string _vocabPath;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    /// <summary>
    /// Merges whose result has no vocab id are dropped: such a symbol could never be emitted, so leaving its parts
    /// apart is the only encoding the vocab can express (Hugging Face refuses these files; the reference files have
    /// none). A repeated pair keeps its first (lowest) rank.
    /// </summary>
    public BytePairEncoder(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges,
        string vocabPath)
    {
        _vocab = vocab;
        _vocabPath = vocabPath;
        _ranks = new Dictionary<(string, string), int>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (vocab.ContainsKey(left + right)) _ranks.TryAdd((left, right), rank);
            else DroppedMerges++;
        }
    }

    /// <summary>Number of merges dropped because their result is not in the vocab.</summary>
    public int DroppedMerges { get; }

    /// <summary>The vocab ids of one pre-tokenised piece given in byte-level characters.</summary>
    public int[] Encode(string symbols)
    {
        if (_cache.TryGetValue(symbols, out var cached)) return cached;
        var merged = Merge(symbols);
        var ids = new int[merged.Count];
        for (int i = 0; i < ids.Length; i++)
            if (!_vocab.TryGetValue(merged[i], out ids[i]))
                throw new MrvsException(MrvsErrorKind.BadModel,
                    $"{_vocabPath}: no id for the byte-level symbol '{merged[i]}' (the vocab must hold all 256 byte " +
                        "symbols)");
        if (_cache.Count >= CacheLimit) _cache.Clear();
        _cache[symbols] = ids;
        return ids;
    }

    private List<string> Merge(string symbols)
    {
        var word = new List<string>(symbols.Length);
        foreach (char c in symbols) word.Add(c.ToString());
        while (word.Count > 1)
        {
            int best = int.MaxValue;
            (string, string) bestPair = default;
            for (int i = 0; i + 1 < word.Count; i++)
                if (_ranks.TryGetValue((word[i], word[i + 1]), out int rank) && rank < best)
                {
                    best = rank;
                    bestPair = (word[i], word[i + 1]);
                }
            if (best == int.MaxValue) break;

            var next = new List<string>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i + 1 < word.Count && word[i] == bestPair.Item1 && word[i + 1] == bestPair.Item2)
                {
                    next.Add(bestPair.Item1 + bestPair.Item2);
                    i++;
                }
                else next.Add(word[i]);
            }
            word = next;
        }
        return word;
    }
}
