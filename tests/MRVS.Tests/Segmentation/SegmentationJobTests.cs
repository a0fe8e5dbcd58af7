using System.Text.Json;
using MRVS.Pipeline;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;
using MRVS.Pipeline.Segmentation;

namespace MRVS.Tests.Segmentation;

public class SegmentationJobTests
{
    private TestModelFolder _model = null!;
    private string _dir = "";

    [OneTimeSetUp] public void OneTimeSetUp() => _model = new TestModelFolder("socpp-tiny");
    [OneTimeTearDown] public void OneTimeTearDown() => _model.Dispose();
    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-job-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private SegmentationJobOptions Job(string input, string output, int clip = 2) =>
        new(_model.Path, "the red ball", [input], output)
        {
            Segmenter = new SegmenterOptions
            {
                Backend = Backend.Cpu,
                ClipLength = clip,
                Resize = new EvalResizeRule(48, 64)
            },
        };

    private string Gif(int frames)
    {
        var path = Path.Combine(_dir, "clip.gif");
        AnimatedGifWriter.Write(path, TestFrames.Noise(frames, 64, 48), 12.5);
        return path;
    }

    [Test]
    public void WritesMasksOverlayAndResult()
    {
        var output = Path.Combine(_dir, "out");
        var reports = new List<SegmentationProgress>();
        var summary = SegmentationJob.Run(Job(Gif(5), output), new SyncProgress(reports.Add));

        Assert.That(Directory.GetFiles(Path.Combine(output, "masks")).Select(Path.GetFileName).Order(),
            Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"{i:D5}.png")));
        var mask = FrameSource.Open(Path.Combine(output, "masks", "00003.png")).ReadFrames().Single();
        Assert.That((mask.Width, mask.Height), Is.EqualTo((64, 48)), "masks have the frame's size");
        Assert.That(mask.Rgb.All(v => v is 0 or 255), "masks are binary");
        var overlay = FrameSource.Open(Path.Combine(output, "overlay.gif"));
        Assert.That(overlay.ReadFrames().Count(), Is.EqualTo(5));
        Assert.That(overlay.FramesPerSecond, Is.EqualTo(12.5).Within(0.1));
        Assert.That(File.Exists(Path.Combine(output, "overlay.mp4")), Is.EqualTo(FfmpegVideoWriter.IsAvailable));
        Assert.That(Directory.GetDirectories(_dir, ".out.partial-*", SearchOption.TopDirectoryOnly), Is.Empty,
            "no staging folder left");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "result.json")));
        var root = json.RootElement;
        Assert.That(root.GetProperty("model").GetString(), Is.EqualTo("socpp-tiny"));
        Assert.That(root.GetProperty("text").GetString(), Is.EqualTo("the red ball"));
        Assert.That(root.GetProperty("tokens")[0].GetString(), Is.EqualTo("<s>"));
        Assert.That(root.GetProperty("token_ids").GetArrayLength(), Is.EqualTo(summary.Tokens.Length));
        Assert.That(root.GetProperty("backend").GetString(), Is.EqualTo("cpu"));
        Assert.That(root.GetProperty("precision").GetString(), Is.EqualTo("fp32"));
        Assert.That(root.GetProperty("clips").GetInt32(), Is.EqualTo(3));
        var frames = root.GetProperty("frames");
        Assert.That(frames.GetArrayLength(), Is.EqualTo(5));
        for (int i = 0; i < 5; i++)
        {
            var f = frames[i];
            Assert.That(f.GetProperty("mask").GetString(), Is.EqualTo($"masks/{i:D5}.png"));
            Assert.That(f.GetProperty("score").GetDouble(), Is.InRange(0.0, 1.0));
            Assert.That(f.GetProperty("area").GetInt64(), Is.EqualTo(summary.Frames[i].Area));
            Assert.That(f.GetProperty("clip").GetInt32(), Is.EqualTo(i / 2));
        }
        Assert.That(root.GetProperty("time_ms").GetProperty("forward").GetDouble(), Is.GreaterThan(0));
        Assert.That(root.GetProperty("peak_working_set_bytes").GetInt64(), Is.GreaterThan(0));
        Assert.That(reports.Where(r => r.ClipDone).Select(r => r.FramesDone), Is.EqualTo(new[] { 2, 4, 5 }));
    }

    [Test]
    public void FailureMidwayLeavesNoOutput()
    {
        var frames = Directory.CreateDirectory(Path.Combine(_dir, "frames")).FullName;
        for (int i = 0; i < 3; i++) MaskPngWriter.Write(Path.Combine(frames, $"f{i}.png"), new byte[64 * 48], 64, 48);
        File.WriteAllBytes(Path.Combine(frames, "f3.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var output = Path.Combine(_dir, "out");

        var e = Assert.Throws<MediaException>(() => SegmentationJob.Run(Job(frames, output)))!;
        Assert.That(e.Message, Does.Contain("f3.png"));
        Assert.That(Directory.Exists(output), Is.False);
        Assert.That(Directory.GetDirectories(_dir, ".out.partial-*"), Is.Empty);
    }

    [Test]
    public void ExistingOutputIsKeptUnlessOverwriteIsAsked()
    {
        var output = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");
        var gif = Gif(1);

        var e = Assert.Throws<MrvsException>(() => SegmentationJob.Run(Job(gif, output)))!;
        Assert.That(e.Message, Does.Contain("--overwrite"));
        Assert.That(File.Exists(Path.Combine(output, "keep.txt")));

        SegmentationJob.Run(Job(gif, output) with { Overwrite = true });
        Assert.That(File.Exists(Path.Combine(output, "keep.txt")), Is.False);
        Assert.That(File.Exists(Path.Combine(output, "result.json")));
    }

    [Test]
    public void WholeVideoInOneForwardWithClipZero()
    {
        var summary = SegmentationJob.Run(Job(Gif(3), Path.Combine(_dir, "out"), clip: 0));
        Assert.That(summary.Clips, Is.EqualTo(1));
        Assert.That(summary.Frames.Select(f => f.Clip), Is.All.EqualTo(0));
    }

    private sealed class SyncProgress(Action<SegmentationProgress> report) : IProgress<SegmentationProgress>
    {
        public void Report(SegmentationProgress value) => report(value);
    }
}
