using MRVS.Core.IO;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Pipeline;

namespace MRVS.DemoAssets;

/// <summary>
/// Writes a model folder with synthetic weights, as <c>mrvs convert</c> lays one out: config.json,
/// model.safetensors (every key, dtype and shape an official checkpoint of the config holds, filled with seeded
/// random values), and the demo model's tokenizer (vocab.json, merges.txt). For tests and experiments that need a
/// model of some shape without a checkpoint; its masks mean nothing. The same bytes on every run.
/// </summary>
public static class SyntheticModelFolder
{
    public const int DefaultSeed = 1;

    /// <summary>What the demo tokenizer's merges are learnt from: referring expressions a demo might type.</summary>
    public static readonly string[] Corpus =
    [
        "the red ball", "a red ball bouncing to the right", "the ball on the floor", "the blue box",
        "a blue box sliding to the left", "the box in the back", "the person walking", "a man in a black shirt",
        "the woman holding a bag", "the dog running", "a white cat", "the car on the road", "the green tree",
        "the object moving left", "the small one", "the big one",
    ];

    /// <summary>The demo tokenizer: the one samples/demo/model ships, which the demo model was trained with.</summary>
    public static TinyBpe Tokenizer() => TinyBpe.Train(Corpus);

    public static void Write(string modelDir, ModelConfig config, int seed = DefaultSeed)
    {
        var bpe = Tokenizer();
        if (bpe.Tokens.Count > config.Roberta.VocabSize)
            throw new ArgumentException($"{config.Variant}: a vocabulary of {config.Roberta.VocabSize} rows " +
                $"cannot hold the demo tokenizer's {bpe.Tokens.Count} tokens");
        Directory.CreateDirectory(modelDir);
        bpe.Write(Path.Combine(modelDir, ModelFolder.VocabFile),
            Path.Combine(modelDir, ModelFolder.MergesFile));
        File.WriteAllText(Path.Combine(modelDir, ModelFolder.ConfigFile), config.ToJson());
        var weights = SyntheticStateDict.Create(config, seed);
        try
        {
            var metadata = new Dictionary<string, string>
            {
                ["family"] = config.Family == ModelFamily.Soc ? "soc" : "socpp",
                ["variant"] = config.Variant,
                ["source"] = $"random weights (seed {seed}), tools/DemoAssets",
            };
            SafeTensorsWriter.Write(Path.Combine(modelDir, ModelFolder.WeightsFile), weights, metadata);
        }
        finally
        {
            foreach (var t in weights.Values.Distinct()) t.Dispose();
        }
    }
}
