using MRVS.Core.IO;
using MRVS.DemoAssets;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Pipeline;
using MRVS.Pipeline.Conversion;
using MRVS.Pipeline.Text;
using MRVS.Tests.Support;

namespace MRVS.Tests.Demo;

/// <summary>
/// The shipped samples/demo: the trained socpp-shapes-demo model exactly as <c>mrvs convert</c> writes it from the
/// shared checkpoint, and the shared demo clip.
/// </summary>
public class DemoModelTests
{
    public const string Variant = "socpp-shapes-demo";

    private static string DemoDir => Path.Combine(Fixtures.RepoRoot, "samples", "demo");
    private static string ModelDir => Path.Combine(DemoDir, "model");
    private static string ModelFile(string name) => Path.Combine(ModelDir, name);

    private static readonly string[] ModelFiles =
    [
        ModelFolder.ConfigFile, ModelFolder.WeightsFile, ModelFolder.VocabFile,
        ModelFolder.MergesFile,
    ];

    [Test]
    public void ModelFolderHasAConsistentConfigAndTokenizer()
    {
        var config = ModelConfig.Load(ModelFile(ModelFolder.ConfigFile));
        var info = ModelInfo.Read(ModelDir);
        Assert.That((info.Family, info.Variant, info.HasTokenizer), Is.EqualTo(("SOC++", Variant, true)));

        var tokenizer = RobertaTokenizer.Load(ModelFile(ModelFolder.VocabFile),
            ModelFile(ModelFolder.MergesFile));
        var r = config.Roberta;
        Assert.That((tokenizer.VocabSize, tokenizer.BosId, tokenizer.PadId, tokenizer.EosId),
            Is.EqualTo((r.VocabSize, r.BosTokenId, r.PadTokenId, r.EosTokenId)));
        Assert.That(tokenizer.DroppedMerges, Is.Zero);
        Assert.That(r.MaxPositions - r.PadTokenId - 1, Is.GreaterThanOrEqualTo(64),
            "sentences of 64 tokens fit the position table");

        // The ids the shared checkpoint was trained with (its README).
        var encoded = tokenizer.Encode("the red ball");
        Assert.That(encoded.Tokens, Is.EqualTo(new[] { "<s>", "the", "Ġred", "Ġball", "</s>" }));
        Assert.That(encoded.InputIds, Is.EqualTo(new[] { 0, 261, 300, 275, 2 }));
        Assert.That(tokenizer.Encode("an unseen wörd").InputIds, Has.All.InRange(0, r.VocabSize - 1));
    }

    [Test]
    public void ModelFolderHoldsExactlyTheWeightsTheGraphBinds()
    {
        var config = ModelConfig.Load(ModelFile(ModelFolder.ConfigFile));
        using var file = SafeTensorsFile.Open(ModelFile(ModelFolder.WeightsFile));
        var store = new WeightStore(file);
        Assert.DoesNotThrow(() => SocModel.Build(config, store, ForwardShape.WeightBinding),
            "every key present with its shape, none unexpected");
        // Recomputed buffers (position_ids) would bind even when absent: the folder holds them as a checkpoint does.
        Assert.That(file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal),
            Is.EqualTo(store.Layout.Select(s => s.Key).Order(StringComparer.Ordinal)));
        Assert.That(new FileInfo(ModelFile(ModelFolder.WeightsFile)).Length, Is.LessThan(6_000_000),
            "small enough to ship in the repository");
    }

    /// <summary>The architecture the synthetic-weight tool writes by default is the trained model's.</summary>
    [Test]
    public void ArchitectureIsTheDemoModelConfig()
    {
        var shipped = ModelConfig.Load(ModelFile(ModelFolder.ConfigFile));
        var demo = DemoModelConfig.Create(shipped.Roberta.VocabSize) with { Variant = shipped.Variant };
        Assert.That(demo.ToJson(), Is.EqualTo(shipped.ToJson()));
    }

    [Test]
    public void ModelIsTheConversionOfTheSharedCheckpoint()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"mrvs-demo-{Guid.NewGuid():N}");
        try
        {
            var config = ModelConfig.Load(ModelFile(ModelFolder.ConfigFile));
            CheckpointConverter.Convert(SharedDemoModel.Checkpoint, config, dir,
                ModelFile(ModelFolder.VocabFile), ModelFile(ModelFolder.MergesFile));
            foreach (var file in ModelFiles)
                Assert.That(File.ReadAllBytes(Path.Combine(dir, file)), Is.EqualTo(File.ReadAllBytes(ModelFile(file))),
                    $"{file} differs from the conversion of {SharedDemoModel.Checkpoint}: " +
                    "reconvert as samples/demo/model/README.md says");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ClipIsTheSharedDemoClip() =>
        Assert.That(File.ReadAllBytes(Path.Combine(DemoDir, "clip.gif")),
            Is.EqualTo(File.ReadAllBytes(SharedDemoModel.DemoClip)));
}
