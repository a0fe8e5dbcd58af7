using System.Diagnostics;
using MRVS.Pipeline.Media;

namespace MRVS.Tests.Media;

public class FfmpegVideoTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-video").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private static void RequireFfmpeg()
    {
        if (!FfmpegVideoWriter.IsAvailable) Assert.Ignore("ffmpeg is not on PATH (install it, e.g. apt-get install " +
            "ffmpeg, to test the video path)");
    }

    /// <summary>Frames whose top half is red and bottom half blue, with brightness growing per frame.</summary>
    private static IEnumerable<RgbFrame> Frames(int count, int width, int height)
    {
        for (int t = 0; t < count; t++)
        {
            var rgb = new byte[width * height * 3];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int i = (y * width + x) * 3;
                    if (y < height / 2) rgb[i] = (byte)(150 + 20 * t);
                    else rgb[i + 2] = (byte)(150 + 20 * t);
                }
            yield return new RgbFrame($"{t}", width, height, rgb);
        }
    }

    private static void AssertClose((byte R, byte G, byte B) actual, (int R, int G, int B) expected, string what)
    {
        const int tolerance = 12; // H.264 in yuv420p is lossy
        Assert.That(Math.Abs(actual.R - expected.R) <= tolerance && Math.Abs(actual.G - expected.G) <= tolerance
            && Math.Abs(actual.B - expected.B) <= tolerance, $"{what}: {actual} vs {expected}");
    }

    [Test]
    public void WrittenVideoDecodesFrameByFrame()
    {
        RequireFfmpeg();
        var path = Path.Combine(_dir, "clip.mp4");
        FfmpegVideoWriter.Write(path, Frames(5, 32, 16), 10);

        var source = FrameSource.Open(path);
        var frames = source.ReadFrames().ToList();

        Assert.That(source, Is.TypeOf<FfmpegVideoSource>());
        Assert.That(source.FrameCount, Is.EqualTo(5));
        Assert.That(source.FramesPerSecond, Is.EqualTo(10).Within(1e-9));
        Assert.That(frames, Has.Count.EqualTo(5));
        Assert.That(frames.Select(f => f.Name), Is.EqualTo(new[] { "00000", "00001", "00002", "00003", "00004" }));
        Assert.That(source.ReadFrames().First().Name, Is.EqualTo("00000"), "stopping early ends the decoder");
        for (int t = 0; t < 5; t++)
        {
            AssertClose(MediaTestImages.Pixel(frames[t], 16, 3), (150 + 20 * t, 0, 0), $"frame {t} top");
            AssertClose(MediaTestImages.Pixel(frames[t], 16, 12), (0, 0, 150 + 20 * t), $"frame {t} bottom");
        }
    }

    [Test]
    public void OddFrameSizesArePaddedToEvenForH264()
    {
        RequireFfmpeg();
        var path = Path.Combine(_dir, "odd.mp4");
        FfmpegVideoWriter.Write(path, Frames(2, 33, 17), 25);
        var source = (FfmpegVideoSource)FrameSource.Open(path);
        Assert.That((source.Width, source.Height), Is.EqualTo((34, 18)));
        Assert.That(source.ReadFrames().Count(), Is.EqualTo(2));
    }

    [Test]
    public void StoredRotationIsAppliedAndSwapsTheSize()
    {
        RequireFfmpeg();
        var plain = Path.Combine(_dir, "plain.mp4");
        var rotated = Path.Combine(_dir, "rotated.mp4");
        FfmpegVideoWriter.Write(plain, Frames(3, 32, 16), 10);
        RunFfmpeg("-v", "error", "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated);

        var source = (FfmpegVideoSource)FrameSource.Open(rotated);
        var frame = source.ReadFrames().First();

        Assert.That((source.Width, source.Height), Is.EqualTo((16, 32)));
        Assert.That((frame.Width, frame.Height), Is.EqualTo((16, 32)));
        // A quarter turn moves the red top half and the blue bottom half to the two sides.
        var left = MediaTestImages.Pixel(frame, 3, 16);
        var right = MediaTestImages.Pixel(frame, 12, 16);
        Assert.That(new[] { left.R > 100 && left.B < 50, right.R > 100 && right.B < 50 }, Has.Exactly(1).True);
        Assert.That(new[] { left.B > 100 && left.R < 50, right.B > 100 && right.R < 50 }, Has.Exactly(1).True);
    }

    [Test]
    public void CorruptVideoErrorNamesTheFile()
    {
        RequireFfmpeg();
        var path = Path.Combine(_dir, "broken.mp4");
        File.WriteAllBytes(path, new byte[1000]);
        var e = Assert.Throws<MediaException>(() => FrameSource.Open(path).ReadFrames().ToList())!;
        Assert.That(e.Message, Does.Contain(path));
    }

    [Test]
    public void MissingFfmpegIsAClearError()
    {
        var path = Path.Combine(_dir, "clip.mp4");
        File.WriteAllBytes(path, new byte[16]);
        var savedPath = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", _dir);
        try
        {
            var e = Assert.Throws<MediaException>(() => FrameSource.Open(path))!;
            Assert.That(e.Message, Does.Contain("not found on PATH").And.Contain(path));
            Assert.That(FfmpegVideoWriter.IsAvailable, Is.False);
            var w = Assert.Throws<MediaException>(() => FfmpegVideoWriter.Write(Path.Combine(_dir, "out.mp4"), Frames(1,
                4, 4), 10))!;
            Assert.That(w.Message, Does.Contain("ffmpeg was not found on PATH"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", savedPath);
        }
    }

    private static void RunFfmpeg(params string[] args)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, error);
    }
}
