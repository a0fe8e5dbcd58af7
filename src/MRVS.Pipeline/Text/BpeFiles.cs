using System.Text.Json;
using MRVS.Core.Errors;
using MRVS.Core.IO;
using MRVS.Core.Limits;

namespace MRVS.Pipeline.Text;

/// <summary>Readers for the two files of a byte-level BPE tokenizer (roberta-base vocab.json + merges.txt, GPT-2
/// encoder.json + vocab.bpe).</summary>
internal static class BpeFiles
{
    /// <summary>The token → id map of a JSON object file such as <c>{"&lt;s&gt;": 0, "Ġthe": 5}</c>.</summary>
    public static Dictionary<string, int> ReadVocab(string path, ResourceLimits limits)
    {
        var bytes = InputFile.ReadAllBytes(path, "tokenizer vocab file", MrvsErrorKind.BadModel,
            limits.MaxTextFileBytes);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw Bad($"{path}: vocab file is not valid JSON ({ErrorText.Json(ex)})", ex);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad($"{path}: vocab file must be a JSON object mapping token to id, found a JSON " +
                    $"{doc.RootElement.ValueKind}");
            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                    throw Bad($"{path}: token '{entry.Name}' has id {entry.Value.GetRawText()}, expected a " +
                        "non-negative 32-bit integer");
                if (!vocab.TryAdd(entry.Name, id))
                    throw Bad($"{path}: token '{entry.Name}' appears more than once");
            }
            if (vocab.Count == 0) throw Bad($"{path}: vocab file has no tokens");
            return vocab;
        }
    }

    /// <summary>
    /// The merge pairs in rank order (first = applied first): an optional <c>#version</c> first line, then one
    /// "left right" pair per line. Blank lines are skipped (the files end with one).
    /// </summary>
    public static List<(string Left, string Right)> ReadMerges(string path, ResourceLimits limits)
    {
        var text = System.Text.Encoding.UTF8.GetString(
            InputFile.ReadAllBytes(path, "tokenizer merges file", MrvsErrorKind.BadModel, limits.MaxTextFileBytes));
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var merges = new List<(string, string)>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if ((i == 0 && line.StartsWith("#version", StringComparison.Ordinal))
                || string.IsNullOrWhiteSpace(line)) continue;
            // Byte-level symbols never contain ASCII whitespace (space is "Ġ"), so whitespace only separates the pair.
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw Bad($"{path}: line {i + 1} is '{line}', expected two space-separated symbols \"left right\"");
            merges.Add((parts[0], parts[1]));
        }
        if (merges.Count == 0) throw Bad($"{path}: merges file has no merge pairs");
        return merges;
    }

    private static MrvsException Bad(string message, Exception? inner = null)
        => new(MrvsErrorKind.BadModel, message, inner);
}
