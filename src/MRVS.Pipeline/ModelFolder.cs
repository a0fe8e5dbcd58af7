using MRVS.Core.IO;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Models.Text;
using MRVS.Pipeline.Text;

namespace MRVS.Pipeline;

/// <summary>
/// A model folder as <c>mrvs convert</c> writes it: config.json, model.safetensors (memory-mapped) and the tokenizer
/// (vocab.json, merges.txt). <see cref="Open"/> checks everything it can before any frame is read: the config parses,
/// every weight the model binds is present with its shape (and no key is left over), and the tokenizer agrees with
/// the text encoder's vocabulary and special ids.
/// </summary>
public sealed class ModelFolder : IDisposable
{
    public const string ConfigFile = "config.json", WeightsFile = "model.safetensors", VocabFile = "vocab.json", MergesFile = "merges.txt";

    private ModelFolder(string directory, ModelConfig config, SafeTensorsFile weights, RobertaTokenizer tokenizer)
    {
        Directory = directory;
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
    }

    public string Directory { get; }
    public ModelConfig Config { get; }
    public SafeTensorsFile Weights { get; }
    public RobertaTokenizer Tokenizer { get; }

    /// <summary>The longest sentence the text encoder takes, &lt;s&gt; and &lt;/s&gt; included.</summary>
    public int MaxTokens => RobertaEncoder.MaxTokens(Config.Roberta);

    public static ModelFolder Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"model folder '{directory}' not found (expected a folder with {ConfigFile}, {WeightsFile}, {VocabFile} and {MergesFile}, as mrvs convert writes)");
        string File(string name, string what)
        {
            var p = Path.Combine(directory, name);
            return System.IO.File.Exists(p) ? p : throw new FileNotFoundException($"model folder '{directory}': missing {name} ({what})", p);
        }
        var config = ModelConfig.Load(File(ConfigFile, "written by mrvs convert"));
        var vocab = File(VocabFile, "the RoBERTa tokenizer; mrvs convert --vocab copies it");
        var merges = File(MergesFile, "the RoBERTa tokenizer; mrvs convert --merges copies it");
        var weights = SafeTensorsFile.Open(File(WeightsFile, "written by mrvs convert"));
        try
        {
            var tokenizer = RobertaTokenizer.Load(vocab, merges);
            CheckTokenizer(vocab, tokenizer, config.Roberta);
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

    public void Dispose() => Weights.Dispose();

    private static void CheckTokenizer(string vocabPath, RobertaTokenizer tokenizer, RobertaConfig text)
    {
        void Same(string token, int? id, int expected, string field)
        {
            if (id != expected)
                throw new InvalidDataException($"{vocabPath}: '{token}' has id {(id is null ? "none" : id)}, but the model's {field} is {expected}; the tokenizer does not belong to this model");
        }
        Same(RobertaTokenizer.BosToken, tokenizer.BosId, text.BosTokenId, "bos_token_id");
        Same(RobertaTokenizer.EosToken, tokenizer.EosId, text.EosTokenId, "eos_token_id");
        Same(RobertaTokenizer.PadToken, tokenizer.PadId, text.PadTokenId, "pad_token_id");
        if (tokenizer.VocabSize > text.VocabSize)
            throw new InvalidDataException($"{vocabPath}: {tokenizer.VocabSize} tokens, but the model's word embedding has {text.VocabSize} rows; the tokenizer does not belong to this model");
    }

    /// <summary>Binds every weight once at a small shape (no memory is planned), so a bad file fails at load, not mid-video.</summary>
    private static void CheckWeights(ModelConfig config, SafeTensorsFile weights)
    {
        try
        {
            SocModel.Build(config, new WeightStore(weights), ForwardShape.WeightBinding);
        }
        catch (WeightBindingException e)
        {
            throw new InvalidDataException(
                $"{weights.Path}: does not match {ConfigFile} ({config.Variant}): {e.Summary}", e);
        }
    }
}
