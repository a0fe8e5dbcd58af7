using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Interop;
using MRVS.Pipeline.Media;
using MRVS.Tests.Support;

namespace MRVS.Tests.Segmentation;

/// <summary>
/// `mrvs segment` end to end through the CLI's entry point: one good run, and every kind of bad input giving one
/// line on stderr that names the culprit, a non-zero exit code and no output folder.
/// </summary>
[NonParallelizable]
public class SegmentCommandTests
{
    private TestModelFolder _model = null!;
    private string _dir = "";
    private string _out = "";

    [OneTimeSetUp] public void OneTimeSetUp() => _model = new TestModelFolder("socpp-tiny");
    [OneTimeTearDown] public void OneTimeTearDown() => _model.Dispose();

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("mrvs-cli-").FullName;
        _out = Path.Combine(_dir, "out");
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private static (int Code, string Stdout, string Stderr) Mrvs(params string[] args)
    {
        var r = Robustness.Mrvs.Run(args);
        return (r.Code, r.Stdout, r.Stderr);
    }

    private (int Code, string Stdout, string Stderr) Segment(string input, string text = "the red ball", string? model =
        null, params string[] more) =>
        Mrvs(["segment", "--model", model ?? _model.Path, "--text", text, "--input", input, "--out", _out, "--backend",
            "cpu", .. more]);

    private string File(string name, byte[] bytes)
    {
        var p = Path.Combine(_dir, name);
        System.IO.File.WriteAllBytes(p, bytes);
        return p;
    }

    private string Gif(int frames = 2, int width = 24, int height = 18)
    {
        var p = Path.Combine(_dir, "clip.gif");
        AnimatedGifWriter.Write(p, TestFrames.Noise(frames, width, height), 10);
        return p;
    }

    private void AssertOneLineError((int Code, string Stdout, string Stderr) r, params string[] mentions)
    {
        Assert.That(r.Code, Is.Not.Zero, "exit code");
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), $"stderr: {r.Stderr}");
        foreach (var m in mentions) Assert.That(lines[0], Does.Contain(m));
        Assert.That(Directory.Exists(_out), Is.False, "no output folder");
        Assert.That(Directory.GetDirectories(_dir, ".out.partial-*"), Is.Empty, "no staging folder");
    }

    [Test]
    public void SegmentsAGifIntoMasksOverlayAndResult()
    {
        var r = Segment(Gif(3), more: ["--clip", "2"]);
        Assert.That(r.Code, Is.Zero, r.Stderr);
        Assert.That(Directory.GetFiles(Path.Combine(_out, "masks")), Has.Length.EqualTo(3));
        Assert.That(System.IO.File.Exists(Path.Combine(_out, "overlay.gif")));
        Assert.That(System.IO.File.Exists(Path.Combine(_out, "result.json")));
        Assert.That(r.Stdout, Does.Contain("3 frames in 2 clip(s)"));
        Assert.That(r.Stderr, Is.Empty, "no progress when stderr is not a terminal: an error would be the only line");
    }

    [Category(TestCategory.EndToEnd)]
    [Test]
    public void ReadmeFirstCommandSegmentsTheDemoClip()
    {
        const string prefix = "dotnet run --project src/MRVS.Cli -c Release -- ";
        var line = System.IO.File.ReadLines(Path.Combine(Support.Fixtures.RepoRoot, "README.md")).First(l =>
            l.StartsWith("dotnet run", StringComparison.Ordinal));
        Assert.That(line, Does.StartWith(prefix + "segment "), "the README's first command runs segment");
        var args = Arguments(line[prefix.Length..line.IndexOf(" #", StringComparison.Ordinal)]);
        args[args.IndexOf("--out") + 1] = _out;

        var cwd = Environment.CurrentDirectory;
        Environment.CurrentDirectory = Support.Fixtures.RepoRoot;
        (int Code, string Stdout, string Stderr) r;
        try { r = Mrvs([.. args]); }
        finally { Environment.CurrentDirectory = cwd; }

        Assert.That(r.Code, Is.Zero, r.Stderr);
        int frames = FrameSource.Open(Path.Combine(Support.Fixtures.RepoRoot, "samples", "demo",
            "clip.gif")).ReadFrames().Count();
        Assert.That(Directory.GetFiles(Path.Combine(_out, "masks")), Has.Length.EqualTo(frames));
        Assert.That(System.IO.File.Exists(Path.Combine(_out, "overlay.gif")) && System.IO.File.Exists(Path.Combine(_out,
            "result.json")));

        // Real masks: J of what it wrote against the shared ground truth of the demo sentence.
        var demo = Support.SharedDemoModel.DemoClipSet.Videos[0];
        Assert.That(args[args.IndexOf("--text") + 1], Is.EqualTo(demo.Text));
        var masks = Path.Combine(_out, "masks");
        var (w, h) = (160, 120);
        double j = Directory.GetFiles(masks).Select(p => Path.GetFileNameWithoutExtension(p)).Average(f =>
            Support.RegionSimilarity.Of(demo.GroundTruth(f, w, h), Support.SharedDemoModel.ReadMask(masks, f, w, h)));
        Assert.That(j, Is.GreaterThanOrEqualTo(0.92), "mean J of the README's first command against the ground truth");
    }

    /// <summary>Splits a shell command line at spaces outside double quotes (all the README's first command
    /// uses).</summary>
    private static List<string> Arguments(string commandLine)
    {
        var parts = commandLine.Split('"');
        var args = new List<string>();
        for (int i = 0; i < parts.Length; i++)
            if (i % 2 == 1) args.Add(parts[i]);
            else args.AddRange(parts[i].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return args;
    }

    [Test]
    public void MissingInput() => AssertOneLineError(Segment(Path.Combine(_dir, "nowhere.mp4")), "nowhere.mp4",
        "does not exist");

    [Test]
    public void UnknownFormat() => AssertOneLineError(Segment(File("notes.xyz", [1, 2, 3])), "notes.xyz", ".xyz");

    [Test]
    public void CorruptImage() => AssertOneLineError(Segment(File("frame.png", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0])),
        "frame.png");

    [Test]
    public void CorruptGif() => AssertOneLineError(Segment(File("clip.gif", "GIF89a garbage"u8.ToArray())), "clip.gif");

    [Test]
    public void CorruptVideo() =>
        // Without ffmpeg the message says ffmpeg is needed; with it, that the file cannot be decoded. Both name the
        // file.
        AssertOneLineError(Segment(File("clip.mp4", new byte[1000])), "clip.mp4");

    [Test]
    public void EmptySentence() => AssertOneLineError(Segment(Gif(), text: ""), "sentence is empty");

    [Test]
    public void TooLongSentence() => AssertOneLineError(Segment(Gif(), text: string.Join(' ', Enumerable.Repeat("word",
        40))), "tokens", "at most");

    [Test]
    public void MissingModelFolder() => AssertOneLineError(Segment(Gif(), model: Path.Combine(_dir, "no-model")),
        "no-model", "not found");

    [Test]
    public void ModelFolderWithoutTokenizer()
    {
        var model = Directory.CreateDirectory(Path.Combine(_dir, "model")).FullName;
        foreach (var f in new[] { "config.json", "model.safetensors" }) System.IO.File.Copy(_model.Combine(f),
            Path.Combine(model, f));
        AssertOneLineError(Segment(Gif(), model: model), "vocab.json", "missing");
    }

    [Test]
    public void ModelFolderWithMismatchedWeights()
    {
        var model = Directory.CreateDirectory(Path.Combine(_dir, "model")).FullName;
        foreach (var f in new[] { "model.safetensors", "vocab.json",
            "merges.txt" }) System.IO.File.Copy(_model.Combine(f), Path.Combine(model, f));
        System.IO.File.Copy(Support.Fixtures.File("soc-tiny", "config.json"), Path.Combine(model, "config.json"));
        AssertOneLineError(Segment(Gif(), model: model), "model.safetensors", "does not match");
    }

    [Test]
    public void CudaWithoutAGpu()
    {
        if (CudaAvailable()) Assert.Ignore("a CUDA device is present: this test covers machines without one");
        AssertOneLineError(Mrvs("segment", "--model", _model.Path, "--text", "the cat", "--input", Gif(), "--out", _out,
            "--backend", "cuda"), "CUDA");
    }

    [Test]
    public void ExistingOutputIsNotTouched()
    {
        Directory.CreateDirectory(_out);
        System.IO.File.WriteAllText(Path.Combine(_out, "mine.txt"), "keep");
        var r = Segment(Gif());
        Assert.That(r.Code, Is.Not.Zero);
        Assert.That(r.Stderr, Does.Contain("--overwrite"));
        Assert.That(Directory.GetFiles(_out).Select(Path.GetFileName), Is.EqualTo(new[] { "mine.txt" }));
    }

    private static bool CudaAvailable()
    {
        try { using var d = new CudaDevice(); return true; }
        catch (CudaUnavailableException) { return false; }
    }
}
