using MRVS.Pipeline.Media;
using MRVS.Tests.Segmentation;
using MRVS.Tests.Support;

namespace MRVS.Tests.Robustness;

/// <summary>
/// The command line's conventions (issue 10): usage errors, error lines, progress, --json, --quiet, --threads.
/// </summary>
[NonParallelizable]
public class ErrorContractTests
{
    private TestModelFolder _model = null!;
    private string _dir = "";

    [OneTimeSetUp] public void OneTimeSetUp() => _model = new TestModelFolder("socpp-tiny");
    [OneTimeTearDown] public void OneTimeTearDown() => _model.Dispose();
    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-contract-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Out => Path.Combine(_dir, "out");

    private string Gif(int frames = 2)
    {
        var gif = Path.Combine(_dir, "clip.gif");
        AnimatedGifWriter.Write(gif, TestFrames.Noise(frames, 64, 48), 10);
        return gif;
    }

    private string[] Segment(params string[] more) =>
        ["segment", "--model", _model.Path, "--text", "the red ball", "--input", Gif(), "--out", Out, .. more];

    [TestCase("--backend", "tpu", "tpu")]
    [TestCase("--precision", "fp8", "fp8")]
    [TestCase("--clip", "abc", "abc")]
    [TestCase("--threads", "0", "--threads")]
    public void BadOptionValueIsOneLineWithTheHelpCommand(string option, string value, string mention)
    {
        var line = Mrvs.AssertFailure(Mrvs.Run(Segment(option, value)), mention);
        Assert.That(line, Does.Contain("mrvs segment --help"));
    }

    [Test]
    public void MissingOptionIsOneLineWithTheHelpCommand()
    {
        var line = Mrvs.AssertFailure(Mrvs.Run("segment", "--text", "a cat", "--input", Gif(), "--out", Out),
            "--model");
        Assert.That(line, Does.Contain("mrvs segment --help"));
    }

    [Test]
    public void EmptySentenceHasNoDotNetSuffix() =>
        Mrvs.AssertFailure(Mrvs.Run(["segment", "--model", _model.Path, "--text", "", "--input", Gif(), "--out", Out,
            "--backend", "cpu"]),
            "sentence is empty");

    [Test]
    public void AFailureInALateClipIsTheOnlyLineOnStderr()
    {
        var frames = Directory.CreateDirectory(Path.Combine(_dir, "frames")).FullName;
        for (int i = 0; i < 4; i++) MaskPngWriter.Write(Path.Combine(frames, $"f{i}.png"), new byte[64 * 48], 64, 48);
        File.WriteAllBytes(Path.Combine(frames, "f4.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var r = Mrvs.Run("segment", "--model", _model.Path, "--text", "a cat", "--input", frames, "--out", Out,
            "--backend", "cpu", "--clip", "2");
        Mrvs.AssertFailure(r, "f4.png");
    }

    [TestCase("verify")]
    [TestCase("bench")]
    [TestCase("segment")]
    public void EveryCommandDefaultsToTheSameBackend(string command)
    {
        var r = Mrvs.Run(command, "--help");
        Assert.That(r.Code, Is.Zero);
        var line = r.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("--backend", StringComparison.Ordinal));
        Assert.That(line, Does.Contain("[default: auto]").IgnoreCase);
    }

    [Test]
    public void ConvertWithoutTokenizerSaysWhereToGetIt()
    {
        var r = Mrvs.Run("convert", Fixtures.File("socpp-tiny", "checkpoint.pth.tar"), "--config",
            Fixtures.File("socpp-tiny", "config.json"),
            "--out", Out);
        Assert.That(r.Code, Is.Zero, r.Stderr);
        Assert.That(r.Stderr, Does.Contain("vocab.json").And.Contain("merges.txt").And.Contain("huggingface.co"));
    }

    [Test]
    public void JsonPrintsTheResultOnStdoutAndQuietPrintsNothing()
    {
        var r = Mrvs.Run(Segment("--backend", "cpu", "--json"));
        Assert.That(r.Code, Is.Zero, r.Stderr);
        using (var json = System.Text.Json.JsonDocument.Parse(r.Stdout))
            Assert.That(json.RootElement.GetProperty("frames").GetArrayLength(), Is.EqualTo(2));
        var quiet = Mrvs.Run(Segment("--backend", "cpu", "--quiet", "--overwrite"));
        Assert.That((quiet.Code, quiet.Stdout, quiet.Stderr), Is.EqualTo((0, "", "")));
    }

    [Test]
    public void ThreadsAndBackendNamesAreAccepted()
    {
        var r = Mrvs.Run(Segment("--backend", "CPU", "--threads", "1", "--json"));
        Assert.That(r.Code, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.Contain("\"backend\": \"cpu\""));
    }
}
