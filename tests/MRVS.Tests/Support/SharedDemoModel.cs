using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Tests.Support;

/// <summary>One referring video of the shared demo data: frames, sentence, ground truth, official masks.</summary>
public sealed record ReferringVideo(string Name, string Text, string Input, string MasksDir, string OfficialDir)
{
    /// <summary>Ground truth of a frame, 1 = the referred object (the PNGs hold 0 / 255).</summary>
    public byte[] GroundTruth(string frame, int width, int height) =>
        SharedDemoModel.ReadMask(MasksDir, frame, width, height);

    /// <summary>The official PyTorch model's mask of a frame.</summary>
    public byte[] Official(string frame, int width, int height) =>
        SharedDemoModel.ReadMask(OfficialDir, frame, width, height);
}

/// <summary>A set of videos and the official model's mean J on it.</summary>
public sealed record ReferringVideoSet(string Name, IReadOnlyList<ReferringVideo> Videos, double OfficialJ)
{
    /// <summary>One video of the set (no official J for it alone).</summary>
    public ReferringVideoSet Only(string video) =>
        new($"{Name}, {video}", [Videos.Single(v => v.Name == video)], double.NaN);
}

/// <summary>
/// The trained demo SOC++ in ../shared/models/socpp-shapes-demo (its checkpoint, the demo clip, the 10 held-out
/// test videos), read in place: only the clip and the converted model are shipped in samples/demo.
/// </summary>
public static class SharedDemoModel
{
    /// <summary>The official J of "the red ball" on the demo clip, as the shared README states it.</summary>
    public const double DemoClipOfficialJ = 0.936;

    public const string DemoClipSentence = "the red ball";

    public static string Root
    {
        get
        {
            var dir = Path.GetFullPath(Path.Combine(Fixtures.RepoRoot, "..", "shared", "models", "socpp-shapes-demo"));
            if (!Directory.Exists(dir))
                Assert.Fail($"the trained demo model's data is not at {dir}: " +
                    "the tests read it from ../shared/models beside the repository root");
            return dir;
        }
    }

    public static string File(params string[] parts)
    {
        var p = Path.Combine([Root, .. parts]);
        if (!System.IO.File.Exists(p)) Assert.Fail($"shared demo file missing: {p}");
        return p;
    }

    public static string Checkpoint => File("checkpoint.pth.tar");

    public static string DemoClip => File("demo-clip", "clip.gif");

    public static ReferringVideoSet DemoClipSet
    {
        get
        {
            var dir = Path.Combine(Root, "demo-clip");
            var video = new ReferringVideo("demo-clip", DemoClipSentence, DemoClip,
                Path.Combine(dir, "masks"), Path.Combine(dir, "official"));
            return new ReferringVideoSet("demo clip", [video], DemoClipOfficialJ);
        }
    }

    /// <summary>The 10 held-out videos of testset/, with the official J of each from expressions.json.</summary>
    public static ReferringVideoSet TestSet
    {
        get
        {
            var dir = Path.Combine(Root, "testset");
            using var json = JsonDocument.Parse(System.IO.File.ReadAllText(File("testset", "expressions.json")));
            var videos = new List<ReferringVideo>();
            var officialJ = new List<double>();
            foreach (var v in json.RootElement.EnumerateObject().OrderBy(v => v.Name, StringComparer.Ordinal))
            {
                var videoDir = Path.Combine(dir, v.Name);
                var text = v.Value.GetProperty("text").GetString()!;
                videos.Add(new ReferringVideo(v.Name, text, Path.Combine(videoDir, "frames"),
                    Path.Combine(videoDir, "masks"), Path.Combine(videoDir, "official")));
                officialJ.Add(v.Value.GetProperty("J_official").GetDouble());
            }
            return new ReferringVideoSet("test set", videos, officialJ.Average());
        }
    }

    /// <summary>A 0/255 mask PNG as 0/1 bytes, checked against the frame size.</summary>
    public static byte[] ReadMask(string dir, string frame, int width, int height)
    {
        var path = Path.Combine(dir, frame + ".png");
        if (!System.IO.File.Exists(path)) Assert.Fail($"mask missing for frame '{frame}': {path}");
        using var image = Image.Load<L8>(path);
        Assert.That((image.Width, image.Height), Is.EqualTo((width, height)), $"{path}: mask size");
        var pixels = new byte[width * height];
        image.CopyPixelDataTo(pixels);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = pixels[i] >= 128 ? (byte)1 : (byte)0;
        return pixels;
    }
}
