using MRVS.Core.Errors;
using MRVS.Core.IO;
using MRVS.Core.Limits;
using MRVS.Core.Tensors;
using MRVS.Models.Config;
using MRVS.Models.Text;
using MRVS.Pipeline.Text;

namespace MRVS.Pipeline.Conversion;

/// <summary>
/// What <c>mrvs info</c> reports about a model folder, after the checks <see cref="ModelFolder.Open"/> makes (the
/// tokenizer's only when it is present), and optionally the ids of a sentence.
/// </summary>
public sealed record ModelInfo(string Family, string Variant, long Parameters,
    IReadOnlyDictionary<DType, long> BytesByDType, long FileBytes, bool HasTokenizer, string SwinSize, int MaxTokens,
    TokenizedText? Tokens)
{
    /// <param name="modelDir">The model folder.</param>
    /// <param name="text">A sentence to tokenize with the folder's tokenizer (it must have one).</param>
    /// <param name="limits">Bounds on the files read.</param>
    public static ModelInfo Read(string modelDir, string? text = null, ResourceLimits? limits = null)
    {
        limits ??= ResourceLimits.Default;
        string Need(string name)
        {
            var p = Path.Combine(modelDir, name);
            return InputFile.KindOf(p) != FileKind.Missing ? p
                : throw new MrvsException(MrvsErrorKind.BadModel,
                    $"{modelDir}: missing {name} (mrvs convert writes it)");
        }
        if (!Directory.Exists(modelDir)) throw new MrvsException(MrvsErrorKind.BadModel,
            $"{modelDir}: model folder not found");
        var config = ModelConfig.Load(Need(ModelFolder.ConfigFile), limits);
        var weightsPath = Need(ModelFolder.WeightsFile);
        using var weights = SafeTensorsFile.Open(weightsPath, limits);
        ModelFolder.CheckWeights(config, weights);

        string vocab = Path.Combine(modelDir, ModelFolder.VocabFile),
            merges = Path.Combine(modelDir, ModelFolder.MergesFile);
        bool hasTokenizer = InputFile.KindOf(vocab) != FileKind.Missing && InputFile.KindOf(merges) != FileKind.Missing;
        TokenizedText? tokens = null;
        if (hasTokenizer)
        {
            var tokenizer = RobertaTokenizer.Load(vocab, merges, limits);
            ModelFolder.CheckTokenizer(vocab, tokenizer, config.Roberta);
            if (text is not null) tokens = tokenizer.Encode(text);
        }
        else if (text is not null)
            throw new MrvsException(MrvsErrorKind.BadModel,
                $"{modelDir}: no tokenizer ({ModelFolder.VocabFile}, {ModelFolder.MergesFile}) to tokenize the text " +
                    "with");

        var aliases = weights.Tensors.Where(t => t.Name.StartsWith("transformer.decoder.bbox_embed.",
            StringComparison.Ordinal)).Select(t => t.Name).ToHashSet();
        var counted = weights.Tensors.Where(t => !aliases.Contains(t.Name) && t.DType.IsFloat()).ToList();
        var bytes = weights.Tensors.GroupBy(t => t.DType).ToDictionary(g => g.Key, g => g.Sum(t => t.End - t.Begin));
        string swin = config.Swin.EmbedDim == 128 ? "Video-Swin-B" : config.Swin.Depths[2] == 18 ? "Video-Swin-S"
            : config.Swin.EmbedDim == 96 ? "Video-Swin-T" : $"custom Swin (C0 {config.Swin.EmbedDim})";
        return new ModelInfo(config.Family == ModelFamily.Soc ? "SOC" : "SOC++", config.Variant, counted.Sum(t =>
            Shape.Elements(t.Shape)), bytes,
            new FileInfo(weightsPath).Length, hasTokenizer, swin, RobertaEncoder.MaxTokens(config.Roberta), tokens);
    }
}
