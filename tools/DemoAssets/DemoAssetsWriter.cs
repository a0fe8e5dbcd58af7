using MRVS.Core.IO;
using MRVS.Models.Building;
using MRVS.Pipeline.Media;

namespace MRVS.DemoAssets;

/// <summary>
/// Writes the demo assets into a folder: <c>model/</c> (config.json, model.safetensors with seeded random weights,
/// vocab.json, merges.txt — a model folder as <c>mrvs convert</c> writes one) and <c>clip.gif</c>. The same
/// bytes on every run: fixed seed, fixed corpus, no timestamps.
/// </summary>
public static class DemoAssetsWriter
{
    public const string ModelFolder = "model", ClipFile = "clip.gif";
    public const int Seed = 1;

    /// <summary>The sentences the tokenizer's merges are learnt from: referring expressions a demo might type.</summary>
    public static readonly string[] Corpus =
    [
        "the red ball", "a red ball bouncing to the right", "the ball on the floor", "the blue box",
        "a blue box sliding to the left", "the box in the back", "the person walking", "a man in a black shirt",
        "the woman holding a bag", "the dog running", "a white cat", "the car on the road", "the green tree",
        "the object moving left", "the small one", "the big one",
    ];

    public static void Write(string demoDir)
    {
        var modelDir = Path.Combine(demoDir, ModelFolder);
        Directory.CreateDirectory(modelDir);
        var bpe = TinyBpe.Train(Corpus);
        bpe.Write(Path.Combine(modelDir, Pipeline.ModelFolder.VocabFile), Path.Combine(modelDir, Pipeline.ModelFolder.MergesFile));

        var config = DemoModelConfig.Create(bpe.Tokens.Count);
        File.WriteAllText(Path.Combine(modelDir, Pipeline.ModelFolder.ConfigFile), config.ToJson());
        var weights = SyntheticStateDict.Create(config, Seed);
        try
        {
            SafeTensorsWriter.Write(Path.Combine(modelDir, Pipeline.ModelFolder.WeightsFile), weights, new Dictionary<string, string>
            {
                ["family"] = "socpp", ["variant"] = config.Variant, ["source"] = $"random weights (seed {Seed}), tools/DemoAssets",
            });
        }
        finally
        {
            foreach (var t in weights.Values.Distinct()) t.Dispose();
        }
        AnimatedGifWriter.Write(Path.Combine(demoDir, ClipFile), DemoClip.Create(), DemoClip.FramesPerSecond);
    }
}
