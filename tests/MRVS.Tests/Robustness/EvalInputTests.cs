using System.Text.Json.Nodes;
using MRVS.EvalDatasets;
using MRVS.Pipeline.Media;

namespace MRVS.Tests.Robustness;

/// <summary>
/// The error contract for what <c>mrvs score</c> and <c>mrvs eval</c> read (issue 10 on issue 14's inputs): usage
/// errors, damaged or oversized mask PNGs, and dataset files of the wrong shape are one line naming the file, exit 2;
/// names from a dataset never leave its folders, and a failed run leaves no output behind.
/// </summary>
[NonParallelizable]
public class EvalInputTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-evalinput-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Out => Path.Combine(_dir, "out");

    /// <summary>gt/seq/00000.png and pred/seq/00000.png, 8x6 binary masks.</summary>
    private (string Gt, string Pred) Masks()
    {
        foreach (var side in new[] { "gt", "pred" })
        {
            var dir = Directory.CreateDirectory(Path.Combine(_dir, side, "seq")).FullName;
            var pixels = new byte[48];
            pixels.AsSpan(10, 12).Fill(255);
            LabelPng.Write(Path.Combine(dir, "00000.png"), pixels, 8, 6);
        }
        return (Path.Combine(_dir, "gt"), Path.Combine(_dir, "pred"));
    }

    [Test]
    public void ScoreUsageErrorIsOneLine()
    {
        var line = Mrvs.AssertFailure(Mrvs.Run("score", "--pred", _dir), "--gt");
        Assert.That(line, Does.Contain("mrvs score --help"));
    }

    [TestCase("3/2")]
    [TestCase("a/b")]
    public void EvalShardOutOfRangeIsAUsageError(string shard)
    {
        var line = Mrvs.AssertFailure(Mrvs.Run("eval", "--dataset", "mevis", "--root", _dir, "--model", _dir,
            "--out", Out, "--shard", shard), "--shard", shard);
        Assert.That(line, Does.Contain("mrvs eval --help"));
    }

    [Test]
    public void EvalWithoutADatasetIsAUsageError()
    {
        var line = Mrvs.AssertFailure(Mrvs.Run("eval", "--out", Out), "--dataset", "--merge");
        Assert.That(line, Does.Contain("mrvs eval --help"));
    }

    [Test]
    public void ScoreRefusesATruncatedMask()
    {
        var (gt, pred) = Masks();
        var file = Path.Combine(pred, "seq", "00000.png");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length - 20)]);
        Mrvs.AssertFailure(Mrvs.Run("score", "--gt", gt, "--pred", pred), file, "truncated");
    }

    [Test]
    public void ScoreRefusesAMaskDeclaringAHugeSizeBeforeDecoding()
    {
        var (gt, pred) = Masks();
        var file = Path.Combine(pred, "seq", "00000.png");
        File.WriteAllBytes(file, HostileFiles.PngHeader(20000, 20000, colorType: 0));
        Mrvs.Result r = default;
        long peak = PeakMemory.Above(() => r = Mrvs.Run("score", "--gt", gt, "--pred", pred));
        Mrvs.AssertFailure(r, file, "20000x20000", "MaxFramePixels");
        Assert.That(peak, Is.LessThan(300 * PeakMemory.MiB), "peak memory");
    }

    [Test]
    public void ScoreRefusesMasksOfAnotherSize()
    {
        var (gt, pred) = Masks();
        var file = Path.Combine(pred, "seq", "00000.png");
        LabelPng.Write(file, new byte[20], 5, 4);
        Mrvs.AssertFailure(Mrvs.Run("score", "--gt", gt, "--pred", pred), file, "5x4", "8x6");
    }

    [Test]
    public void ScoreRefusesAMaskWithBadLabelData()
    {
        var (gt, pred) = Masks();
        var file = Path.Combine(pred, "seq", "00000.png");
        // A gray PNG of bit depth 3 (no such depth), with sound chunks.
        var png = HostileFiles.PngHeader(8, 6, colorType: 0);
        png[24] = 3;
        var crc = HostileFiles.Crc32(png.AsSpan(12, 17));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), crc);
        File.WriteAllBytes(file, png);
        Mrvs.AssertFailure(Mrvs.Run("score", "--gt", gt, "--pred", pred), file, "bit depth");
    }

    private string Dataset(Action<JsonObject> edit)
    {
        var root = Path.Combine(_dir, "data");
        SyntheticDatasets.Write("mevis", root);
        var meta = ReferringVideoDatasetMeta(root);
        var json = JsonNode.Parse(File.ReadAllText(meta))!.AsObject();
        edit(json);
        File.WriteAllText(meta, json.ToJsonString());
        return root;
    }

    private static string ReferringVideoDatasetMeta(string root) =>
        Pipeline.Evaluation.Datasets.ReferringVideoDataset.MetaPath(root, "valid_u");

    private Mrvs.Result Eval(string root) =>
        Mrvs.Run("eval", "--dataset", "mevis", "--split", "valid_u", "--root", root, "--model",
            Path.Combine(_dir, "no-model"), "--out", Out, "--backend", "cpu");

    private static JsonObject FirstVideo(JsonObject meta) =>
        meta["videos"]!.AsObject().First().Value!.AsObject();

    [Test]
    public void VideoIdThatLeavesTheFolderIsRefused()
    {
        var root = Dataset(meta =>
        {
            var videos = meta["videos"]!.AsObject();
            var (name, video) = videos.First();
            videos.Remove(name);
            videos["../../escape"] = video;
        });
        Mrvs.AssertFailure(Eval(root), "meta_expressions.json", "../../escape", "not a plain file name");
        Assert.That(Directory.Exists(Out), Is.False, "nothing written");
        Assert.That(Directory.Exists(Path.Combine(_dir, "escape")), Is.False);
    }

    [Test]
    public void FramesThatAreNotAListAreNamed()
    {
        var root = Dataset(meta => FirstVideo(meta)["frames"] = 7);
        Mrvs.AssertFailure(Eval(root), "meta_expressions.json", "frames", "the number 7", "expected an array");
    }

    /// <summary>Found by the dataset-json fuzz target: a video without frames was refused without naming the
    /// file.</summary>
    [Test]
    public void AVideoWithoutFramesIsNamed()
    {
        var root = Dataset(meta => FirstVideo(meta)["frames"] = new JsonArray());
        Mrvs.AssertFailure(Eval(root), "meta_expressions.json", "frames", "an empty list");
    }

    [Test]
    public void ASentenceThatIsNotAStringIsNamed()
    {
        var root = Dataset(meta =>
        {
            var expression = FirstVideo(meta)["expressions"]!.AsObject().First().Value!.AsObject();
            expression["exp"] = new JsonArray();
        });
        Mrvs.AssertFailure(Eval(root), "meta_expressions.json", "'exp'", "expected a string");
    }

    [Test]
    public void AMissingModelLeavesNoRunFolder()
    {
        var root = Dataset(_ => { });
        Mrvs.AssertFailure(Eval(root), "no-model");
        Assert.That(Directory.Exists(Out), Is.False, "the run folder is created once the model is loaded");
    }
}
