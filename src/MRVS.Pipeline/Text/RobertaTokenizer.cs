using MRVS.Core.Errors;
using MRVS.Core.Limits;

namespace MRVS.Pipeline.Text;

/// <summary>
/// The RobertaTokenizerFast (roberta-base) encoding the SOC/SOC++ code uses: GPT-2 byte-level BPE with
/// add_prefix_space = False, <c>&lt;s&gt;</c> prepended and <c>&lt;/s&gt;</c> appended, right padding with
/// <c>&lt;pad&gt;</c> to the longest sentence, no truncation and no text normalisation.
/// Implemented here rather than with Microsoft.ML.Tokenizers: the whole algorithm is a byte table, the
/// pre-tokenisation regex and rank-ordered merges, and owning it keeps the ids under test against the reference
/// encoder without a dependency (whose pre-tokenizer is a .NET Regex over UTF-16 units, see <see
/// cref="Gpt2PreTokenizer"/>). Special tokens written literally in the text (e.g. "&lt;mask&gt;") are encoded as plain
/// text, not as their special ids.
/// </summary>
public sealed class RobertaTokenizer
{
    /// <summary>The begin-of-sentence token.</summary>
    public const string BosToken = "<s>";

    /// <summary>The end-of-sentence token.</summary>
    public const string EosToken = "</s>";

    /// <summary>The padding token.</summary>
    public const string PadToken = "<pad>";

    private readonly BytePairEncoder _bpe;
    private readonly Dictionary<int, string> _tokenOfId;
    private readonly string _vocabPath;

    private RobertaTokenizer(Dictionary<string, int> vocab, List<(string, string)> merges, string vocabPath)
    {
        _bpe = new BytePairEncoder(vocab, merges, vocabPath);
        _vocabPath = vocabPath;
        _tokenOfId = new Dictionary<int, string>(vocab.Count);
        foreach (var (token, id) in vocab) _tokenOfId.TryAdd(id, token);
        VocabSize = vocab.Count;
        LongestToken = vocab.Keys.Max(k => k.Length);
        BosId = vocab.TryGetValue(BosToken, out int bos) ? bos : null;
        EosId = vocab.TryGetValue(EosToken, out int eos) ? eos : null;
        PadId = vocab.TryGetValue(PadToken, out int pad) ? pad : null;
    }

    /// <summary>Loads roberta-base's vocab.json + merges.txt (or GPT-2's encoder.json + vocab.bpe, which lack the
    /// special tokens).</summary>
    public static RobertaTokenizer Load(string vocabPath, string mergesPath, ResourceLimits? limits = null) =>
        new(BpeFiles.ReadVocab(vocabPath, limits ?? ResourceLimits.Default),
            BpeFiles.ReadMerges(mergesPath, limits ?? ResourceLimits.Default), vocabPath);

    /// <summary>Tokens in the vocab.</summary>
    public int VocabSize { get; }

    /// <summary>
    /// The longest vocab entry in byte-level characters (one per UTF-8 byte): no token covers more of a text.
    /// </summary>
    public int LongestToken { get; }

    /// <summary>Ids of <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;pad&gt;</c>; null when the vocab lacks
    /// them.</summary>
    public int? BosId { get; }
    /// <summary>The id of <c>&lt;/s&gt;</c>, or null.</summary>
    public int? EosId { get; }

    /// <summary>The id of <c>&lt;pad&gt;</c>, or null.</summary>
    public int? PadId { get; }

    /// <summary>Merges ignored because their result is not in the vocab (none for the reference files).</summary>
    public int DroppedMerges => _bpe.DroppedMerges;

    /// <summary>The byte-level BPE ids of <paramref name="text"/>, without special tokens.</summary>
    public int[] EncodeBpe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        foreach (var piece in Gpt2PreTokenizer.Split(text))
            ids.AddRange(_bpe.Encode(ByteLevelAlphabet.Encode(piece)));
        return [.. ids];
    }

    /// <summary><c>&lt;s&gt;</c>, the BPE ids of <paramref name="text"/>, <c>&lt;/s&gt;</c>; the empty string gives
    /// just the two.</summary>
    public TokenizedText Encode(string text)
    {
        int bos = Special(BosId, BosToken), eos = Special(EosId, EosToken);
        int[] ids = [bos, .. EncodeBpe(text), eos];
        return new TokenizedText(ids, Array.ConvertAll(ids, id => _tokenOfId[id]));
    }

    /// <summary>Every text encoded as by <see cref="Encode"/> and right-padded with <c>&lt;pad&gt;</c> to the
    /// longest.</summary>
    public TokenizedBatch EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new ArgumentException("expected at least one text to tokenize", nameof(texts));
        int pad = Special(PadId, PadToken);
        var rows = new int[texts.Count][];
        for (int b = 0; b < rows.Length; b++) rows[b] = Encode(texts[b]).InputIds;
        int length = rows.Max(r => r.Length);

        var ids = new long[rows.Length * length];
        var mask = new long[ids.Length];
        Array.Fill(ids, pad);
        for (int b = 0; b < rows.Length; b++)
            for (int j = 0; j < rows[b].Length; j++)
            {
                ids[b * length + j] = rows[b][j];
                mask[b * length + j] = 1;
            }
        return new TokenizedBatch(rows.Length, length, ids, mask);
    }

    private int Special(int? id, string token) =>
        id ?? throw new MrvsException(MrvsErrorKind.BadModel,
            $"{_vocabPath}: the vocab has no '{token}' token, needed to add RoBERTa's special tokens (GPT-2's " +
                "encoder.json has none; use roberta-base's vocab.json)");
}
