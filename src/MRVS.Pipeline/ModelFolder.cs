using MRVS.Core.Errors;
using MRVS.Core.Graph;
using MRVS.Core.IO;
using MRVS.Core.Limits;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Models.Text;
using MRVS.Pipeline.Text;

namespace MRVS.Pipeline;

/// <summary>
/// A model folder as <c>mrvs convert</c> writes it: config.json, model.safetensors (read into memory) and the tokenizer
/// (vocab.json, merges.txt). <see cref="Open"/> checks everything it can before any frame is read: the files are
/// regular files within the <see cref="ResourceLimits"/>, the config parses with every field in range, every weight
/// the model binds is present with its shape (and no key is left over) and finite, and the tokenizer agrees with the
/// text encoder's vocabulary and special ids. Every problem is an <see cref="MrvsException"/> of kind
/// <see cref="MrvsErrorKind.BadModel"/> or <see cref="MrvsErrorKind.ResourceLimit"/> naming the file.
/// </summary>
public sealed class ModelFolder : IDisposable
{
    /// <summary>The model's config.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The model's weights.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>The tokenizer's vocabulary (roberta-base's).</summary>
    public const string VocabFile = "vocab.json";

    /// <summary>The tokenizer's merges (roberta-base's).</summary>
    public const string MergesFile = "merges.txt";

    private ModelFolder(string directory, ModelConfig config, SafeTensorsFile weights, RobertaTokenizer tokenizer)
    {
        Directory = directory;
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
    }

    /// <summary>The folder's path.</summary>
    public string Directory { get; }

    /// <summary>The model's config.json.</summary>
    public ModelConfig Config { get; }

    /// <summary>model.safetensors.</summary>
    public SafeTensorsFile Weights { get; }

    /// <summary>The RoBERTa tokenizer of vocab.json and merges.txt.</summary>
    public RobertaTokenizer Tokenizer { get; }

    /// <summary>The longest sentence the text encoder takes, &lt;s&gt; and &lt;/s&gt; included.</summary>
    public int MaxTokens => RobertaEncoder.MaxTokens(Config.Roberta);

    /// <summary>Opens and checks a model folder.</summary>
    public static ModelFolder Open(string directory, ResourceLimits? limits = null)
    {
        limits ??= ResourceLimits.Default;
        if (!System.IO.Directory.Exists(directory))
            throw new MrvsException(MrvsErrorKind.BadModel,
                $"model folder '{directory}' not found (expected a folder with {ConfigFile}, " +
                $"{WeightsFile}, {VocabFile} and {MergesFile}, as mrvs convert writes)");
        string File(string name, string what)
        {
            var p = Path.Combine(directory, name);
            if (InputFile.KindOf(p) == FileKind.Missing) throw new MrvsException(MrvsErrorKind.BadModel,
                $"model folder '{directory}': missing {name} ({what})");
            return p;
        }
        var config = ModelConfig.Load(File(ConfigFile, "written by mrvs convert"), limits);
        var vocab = File(VocabFile, "the RoBERTa tokenizer; mrvs convert --vocab copies it");
        var merges = File(MergesFile, "the RoBERTa tokenizer; mrvs convert --merges copies it");
        var tokenizer = RobertaTokenizer.Load(vocab, merges, limits);
        CheckTokenizer(vocab, tokenizer, config.Roberta);
        var weights = SafeTensorsFile.Open(File(WeightsFile, "written by mrvs convert"), limits);
        try
        {
            CheckWeights(config, weights);
            return new ModelFolder(directory, config, weights, tokenizer);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>A fresh binding of the weights (a store records what one graph build used).</summary>
    public WeightStore NewWeightStore() => new(Weights);

    /// <summary>Frees the weights.</summary>
    public void Dispose() => Weights.Dispose();

    internal static void CheckTokenizer(string vocabPath, RobertaTokenizer tokenizer, RobertaConfig text)
    {
        void Same(string token, int? id, int expected, string field)
        {
            if (id != expected)
                throw new MrvsException(MrvsErrorKind.BadModel,
                    $"{vocabPath}: '{token}' has id {(id is null ? "none" : id)}, but the model's {field} is " +
                        $"{expected}; the tokenizer does not belong to this model");
        }
        Same(RobertaTokenizer.BosToken, tokenizer.BosId, text.BosTokenId, "bos_token_id");
        Same(RobertaTokenizer.EosToken, tokenizer.EosId, text.EosTokenId, "eos_token_id");
        Same(RobertaTokenizer.PadToken, tokenizer.PadId, text.PadTokenId, "pad_token_id");
        if (tokenizer.VocabSize > text.VocabSize)
            throw new MrvsException(MrvsErrorKind.BadModel,
                $"{vocabPath}: {tokenizer.VocabSize} tokens, but the model's word embedding has {text.VocabSize} " +
                    "rows; the tokenizer does not belong to this model");
    }

    /// <summary>
    /// Binds every weight once at a small shape (no memory is planned), so a bad file fails at load, not mid-video;
    /// then checks that every float weight is finite (a NaN weight would otherwise give empty masks silently).
    /// </summary>
    internal static void CheckWeights(ModelConfig config, SafeTensorsFile weights)
    {
        try
        {
            SocModel.Build(config, new WeightStore(weights), ForwardShape.WeightBinding);
        }
        catch (WeightBindingException e)
        {
            throw new MrvsException(MrvsErrorKind.BadModel,
                $"{weights.Path}: does not match {ConfigFile} ({config.Variant}): {e.Summary}", e);
        }
        catch (Exception e) when (e is ShapeException or ModelConfigException)
        {
            // Fields that pass their ranges but not each other's (a module's sizes that do not fit together).
            throw new MrvsException(MrvsErrorKind.BadModel,
                $"{Path.Combine(Path.GetDirectoryName(weights.Path)!, ConfigFile)}: " +
                $"the model it describes cannot be built: {e.Message}", e);
        }
        catch (MrvsException e) when (e.Kind == MrvsErrorKind.BadModel)
        {
            throw new MrvsException(e.Kind, $"{weights.Path}: {e.Message}", e); // a weight's values (an index buffer)
        }
        var bad = new List<string>();
        foreach (var info in weights.Tensors)
            if (info.DType.IsFloat() && NonFinite.Count(weights.Get(info.Name)) is > 0 and var n)
                bad.Add($"'{info.Name}' ({n} of {Shape.Elements(info.Shape)} values)");
        if (bad.Count > 0)
            throw new MrvsException(MrvsErrorKind.BadModel,
                $"{weights.Path}: NaN or Inf values in {ErrorText.Summarize(bad, ("tensor", "tensors"))} (damaged " +
                    "weights)");
    }
}
