using MRVS.DemoAssets;
using MRVS.Models.Config;
using MRVS.Pipeline;
using MRVS.Pipeline.Segmentation;
using MRVS.Tests.Segmentation;
using MRVS.Tests.Support;

namespace MRVS.Tests.Demo;

/// <summary>tools/DemoAssets: model folders with synthetic weights for any config, with the demo tokenizer.</summary>
public class SyntheticModelFolderTests
{
    private readonly List<string> _dirs = [];

    private string NewDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"mrvs-synthetic-{Guid.NewGuid():N}");
        _dirs.Add(dir);
        return dir;
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var d in _dirs.Where(Directory.Exists)) Directory.Delete(d, recursive: true);
        _dirs.Clear();
    }

    private static readonly string[] Files =
    [
        ModelFolder.ConfigFile, ModelFolder.WeightsFile, ModelFolder.VocabFile,
        ModelFolder.MergesFile,
    ];

    [Test]
    public void SameBytesOnEveryRunWithTheShippedDemoTokenizer()
    {
        var config = DemoModelConfig.Create(SyntheticModelFolder.Tokenizer().Tokens.Count);
        var (a, b) = (NewDir(), NewDir());
        SyntheticModelFolder.Write(a, config);
        SyntheticModelFolder.Write(b, config);
        foreach (var f in Files)
            Assert.That(File.ReadAllBytes(Path.Combine(a, f)), Is.EqualTo(File.ReadAllBytes(Path.Combine(b, f))), f);
        // The trained demo model's token ids come from this tokenizer: it must stay the one shipped beside it.
        foreach (var f in new[] { ModelFolder.VocabFile, ModelFolder.MergesFile })
            Assert.That(File.ReadAllBytes(Path.Combine(a, f)),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(Fixtures.RepoRoot, "samples", "demo", "model", f))), f);
    }

    /// <summary>Any config: the fixtures' SOC and SOC++ shapes load, run and give a mask per frame.</summary>
    [Category(TestCategory.EndToEnd)]
    [TestCase("soc-tiny")]
    [TestCase("socpp-tiny")]
    public void FolderOfAnyConfigSegments(string fixture)
    {
        var dir = NewDir();
        SyntheticModelFolder.Write(dir, ModelConfig.Load(Fixtures.File(fixture, "config.json")));
        using var segmenter = Segmenter.Load(dir, new SegmenterOptions { Backend = Backend.Cpu });
        var result = segmenter.Segment(TestFrames.Noise(2, 32, 24), "the red ball");
        Assert.That(result.Frames, Has.Count.EqualTo(2));
        Assert.That(result.Frames.Select(f => f.Mask.Length), Is.All.EqualTo(32 * 24));
        Assert.That(result.Frames.Select(f => f.Score), Is.All.InRange(0f, 1f));
    }

    [Test]
    public void VocabularyTooSmallForTheTokenizerIsAnError()
    {
        var config = DemoModelConfig.Create(100);
        var e = Assert.Throws<ArgumentException>(() => SyntheticModelFolder.Write(NewDir(), config))!;
        Assert.That(e.Message, Does.Contain("100 rows"));
    }
}
