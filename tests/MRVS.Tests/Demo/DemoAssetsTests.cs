using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.DemoAssets;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Pipeline;
using MRVS.Pipeline.Conversion;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;
using MRVS.Pipeline.Text;
using MRVS.Tests.Support;

namespace MRVS.Tests.Demo;

/// <summary>The shipped samples/demo assets: a model folder that loads and runs, a clip, both exactly what tools/DemoAssets writes.</summary>
public class DemoAssetsTests
{
    private static string DemoDir => Path.Combine(Fixtures.RepoRoot, "samples", "demo");
    private static string ModelDir => Path.Combine(DemoDir, DemoAssetsWriter.ModelFolder);
    private static string ModelFile(string name) => Path.Combine(ModelDir, name);

    private static readonly string[] GeneratedFiles =
    [
        Path.Combine(DemoAssetsWriter.ModelFolder, ModelFolder.ConfigFile),
        Path.Combine(DemoAssetsWriter.ModelFolder, ModelFolder.WeightsFile),
        Path.Combine(DemoAssetsWriter.ModelFolder, ModelFolder.VocabFile),
        Path.Combine(DemoAssetsWriter.ModelFolder, ModelFolder.MergesFile),
        DemoAssetsWriter.ClipFile,
    ];

    [Test]
    public void ModelFolderHasAConsistentConfigAndTokenizer()
    {
        var config = ModelConfig.Load(ModelFile(ModelFolder.ConfigFile));
        var info = ModelInfo.Read(ModelDir);
        Assert.That((info.Family, info.Variant, info.HasTokenizer), Is.EqualTo(("SOC++", DemoModelConfig.Variant, true)));

        var tokenizer = RobertaTokenizer.Load(ModelFile(ModelFolder.VocabFile), ModelFile(ModelFolder.MergesFile));
        var r = config.Roberta;
        Assert.That((tokenizer.VocabSize, tokenizer.BosId, tokenizer.PadId, tokenizer.EosId), Is.EqualTo((r.VocabSize, r.BosTokenId, r.PadTokenId, r.EosTokenId)));
        Assert.That(tokenizer.DroppedMerges, Is.Zero);
        Assert.That(r.MaxPositions - r.PadTokenId - 1, Is.GreaterThanOrEqualTo(64), "sentences of 64 tokens fit the position table");

        var encoded = tokenizer.Encode("the red ball");
        Assert.That(encoded.Tokens, Is.EqualTo(new[] { "<s>", "the", "Ġred", "Ġball", "</s>" }));
        Assert.That(encoded.InputIds[0], Is.EqualTo(0));
        Assert.That(encoded.InputIds[^1], Is.EqualTo(2));
        Assert.That(tokenizer.Encode("an unseen wörd").InputIds, Has.All.InRange(0, r.VocabSize - 1));
    }

    [Test]
    public void ModelFolderHoldsExactlyTheWeightsTheGraphBinds()
    {
        var config = ModelConfig.Load(ModelFile(ModelFolder.ConfigFile));
        using var file = SafeTensorsFile.Open(ModelFile(ModelFolder.WeightsFile));
        var store = new WeightStore(file);
        Assert.DoesNotThrow(() => SocModel.Build(config, store, ForwardShape.WeightBinding), "every key present with its shape, none unexpected");
        // Recomputed buffers (position_ids) would bind even when absent: the folder must hold them as a checkpoint does.
        Assert.That(file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal),
            Is.EqualTo(store.Layout.Select(s => s.Key).Order(StringComparer.Ordinal)));
        foreach (var spec in store.Layout)
        {
            var stored = file.Tensors.Single(t => t.Name == spec.Key);
            Assert.That((stored.DType, stored.Shape), Is.EqualTo((spec.DType, spec.Shape)), spec.Key);
        }
        Assert.That(new FileInfo(ModelFile(ModelFolder.WeightsFile)).Length, Is.LessThan(6_000_000), "small enough to ship in the repository");
    }

    [Test]
    public void ClipIsASmallAnimatedGifOfTheDrawnFrames()
    {
        var path = Path.Combine(DemoDir, DemoAssetsWriter.ClipFile);
        Assert.That(new FileInfo(path).Length, Is.LessThan(200_000));
        var source = FrameSource.Open(path);
        Assert.That(source.FramesPerSecond, Is.EqualTo(DemoClip.FramesPerSecond).Within(0.5));
        var decoded = source.ReadFrames().ToList();
        var drawn = DemoClip.Create().ToList();
        Assert.That(decoded, Has.Count.EqualTo(DemoClip.Frames));
        for (int f = 0; f < decoded.Count; f++)
        {
            Assert.That((decoded[f].Width, decoded[f].Height), Is.EqualTo((DemoClip.Width, DemoClip.Height)));
            Assert.That(decoded[f].Rgb, Is.EqualTo(drawn[f].Rgb), $"frame {f}: the palette holds every colour exactly");
        }
    }

    /// <summary>The random weights must still give finite numbers through every module on a real preprocessed clip.</summary>
    [Test]
    public void CpuForwardOnTheClipIsFinite()
    {
        var config = ModelConfig.Load(ModelFile(ModelFolder.ConfigFile));
        var tokenizer = RobertaTokenizer.Load(ModelFile(ModelFolder.VocabFile), ModelFile(ModelFolder.MergesFile));
        var text = tokenizer.EncodeBatch(["the red ball"]);
        using var clip = new EvalPreprocessor(EvalResizeRule.ReferYouTubeVos)
            .Preprocess(FrameSource.Open(Path.Combine(DemoDir, DemoAssetsWriter.ClipFile)).ReadFrames().Take(4));
        int t = clip.FrameCount, h = clip.Height, w = clip.Width;
        Assert.That((t, h, w), Is.EqualTo((4, 360, 480)));

        using var file = SafeTensorsFile.Open(ModelFile(ModelFolder.WeightsFile));
        var graph = SocModel.Build(config, new WeightStore(file), new ForwardShape(t, h, w, text.Length, h, w));
        using var backend = new CpuBackend();
        using var executor = new Executor(graph, backend, [SocModel.PredCls, SocModel.PredMasks]);
        using var frames = clip.Frames.Reshaped(t, 1, 3, h, w);
        using var noPadding = Tensor.Zeros(DType.Bool, t, 1, h, w);
        using var ids = Tensor.FromSpan<long>(text.InputIds, 1, text.Length);
        using var attention = Tensor.FromSpan<long>(text.AttentionMask, 1, text.Length);
        var outputs = executor.Run(new Dictionary<string, Tensor>
        {
            [SocModel.Frames] = frames, [SocModel.PixelMask] = noPadding, [SocModel.InputIds] = ids, [SocModel.AttentionMask] = attention,
        }).Outputs;
        try
        {
            Assert.That(outputs[SocModel.PredMasks].Shape, Is.EqualTo(new[] { t, 1, config.Transformer.NumQueries, h / 4, w / 4 }));
            foreach (var (name, tensor) in outputs)
                Assert.That(tensor.ToDoubleArray(), Has.All.Matches<double>(double.IsFinite), name);
            var logits = outputs[SocModel.PredMasks].ToDoubleArray();
            Assert.That(logits.Max() - logits.Min(), Is.GreaterThan(1e-3), "the mask logits depend on the pixels (no dead forward)");
        }
        finally
        {
            foreach (var tensor in outputs.Values) tensor.Dispose();
        }
    }

    [Test]
    public void RegeneratingReproducesTheShippedBytes()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"mrvs-demo-{Guid.NewGuid():N}");
        try
        {
            DemoAssetsWriter.Write(dir);
            foreach (var file in GeneratedFiles)
                Assert.That(File.ReadAllBytes(Path.Combine(dir, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(DemoDir, file))),
                    $"{file} differs from the shipped one: regenerate with `dotnet run --project tools/DemoAssets -c Release -- samples/demo`");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
