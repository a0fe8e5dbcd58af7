using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MRVS.Pipeline.Text;

namespace MRVS.DemoAssets;

/// <summary>
/// A tiny RoBERTa-style byte-level BPE tokenizer: the four special tokens at RoBERTa's ids, the 256 byte symbols,
/// then one token per merge, learnt most-frequent-pair first (ties in ordinal order) until every word of the corpus
/// is a single token. Any text still encodes, byte by byte where no merge applies.
/// </summary>
public sealed class TinyBpe
{
    private static readonly string[] Specials = [RobertaTokenizer.BosToken, RobertaTokenizer.PadToken,
        RobertaTokenizer.EosToken, "<unk>"];

    private TinyBpe(List<string> tokens, List<(string Left, string Right)> merges)
    {
        Tokens = tokens;
        Merges = merges;
    }

    /// <summary>Tokens in id order.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Merge pairs in rank order.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <param name="sentences">Words split on spaces; every word after the first gets RoBERTa's leading space
    /// ("Ġ").</param>
    public static TinyBpe Train(IEnumerable<string> sentences)
    {
        var tokens = new List<string>(Specials);
        for (int b = 0; b < 256; b++) tokens.Add(ByteLevelAlphabet.Symbol((byte)b).ToString());

        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var sentence in sentences)
        {
            var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < words.Length; i++)
            {
                var word = ByteLevelAlphabet.Encode(i == 0 ? words[i] : " " + words[i]);
                frequency[word] = frequency.GetValueOrDefault(word) + 1;
            }
        }
        var corpus = frequency.OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => (Symbols: w.Key.Select(c => c.ToString()).ToList(), Count: w.Value)).ToList();

        var merges = new List<(string, string)>();
        while (true)
        {
            var pairs = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in corpus)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            if (pairs.Count == 0) break;
            var (left, right) = pairs.OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2,
                    StringComparer.Ordinal).First().Key;
            merges.Add((left, right));
            if (!tokens.Contains(left + right)) tokens.Add(left + right);
            foreach (var (symbols, _) in corpus)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == left && symbols[i + 1] == right)
                    {
                        symbols[i] = left + right;
                        symbols.RemoveAt(i + 1);
                    }
        }
        return new TinyBpe(tokens, merges);
    }

    /// <summary>vocab.json (one JSON object, symbols unescaped as in roberta-base's) and merges.txt (with its
    /// "#version" line).</summary>
    public void Write(string vocabPath, string mergesPath)
    {
        using (var stream = File.Create(vocabPath))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Encoder =
            JavaScriptEncoder.UnsafeRelaxedJsonEscaping
        }))
        {
            json.WriteStartObject();
            for (int id = 0; id < Tokens.Count; id++) json.WriteNumber(Tokens[id], id);
            json.WriteEndObject();
        }
        var merges = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in Merges) merges.Append(left).Append(' ').Append(right).Append('\n');
        File.WriteAllText(mergesPath, merges.ToString());
    }
}
