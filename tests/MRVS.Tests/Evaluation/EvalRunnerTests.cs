using System.Text.Json;
using MRVS.EvalDatasets;
using MRVS.Pipeline;
using MRVS.Pipeline.Evaluation;
using MRVS.Pipeline.Evaluation.Protocols;
using MRVS.Tests.Support;

namespace MRVS.Tests.Evaluation;

/// <summary>
/// `mrvs eval` end to end on the generated small datasets with the shipped demo model: every protocol writes its
/// submission files and figures; a run killed after its first video and resumed gives byte-identical outputs to an
/// uninterrupted one; two shards merged give the same submission. Scores of the demo model are not asserted.
/// </summary>
[NonParallelizable]
public class EvalRunnerTests
{
    private static readonly string Model = Path.Combine(Fixtures.RepoRoot, "samples", "demo", "model");
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-eval-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Data(string name)
    {
        var root = Path.Combine(_dir, "data", name);
        SyntheticDatasets.Write(name, root);
        return root;
    }

    private EvalOptions Options(string dataset, string root, string output) =>
        new(dataset, root, Model, Path.Combine(_dir, output)) { Backend = Backend.Cpu };

    /// <summary>Every file under the folder but the timing records, relative path → bytes.</summary>
    private static SortedDictionary<string, byte[]> Files(string dir, params string[] skip) => new(
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !skip.Contains(Path.GetFileName(f)))
            .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes), StringComparer.Ordinal);

    private static readonly string[] Timing = [EvalRunner.TimesFile, EvalRunner.ResultFile, EvalRunner.RunFile];

    [Test]
    public void GeneratedDatasetsAreDeterministic()
    {
        foreach (var name in SyntheticDatasets.Names)
        {
            SyntheticDatasets.Write(name, Path.Combine(_dir, "a", name));
            SyntheticDatasets.Write(name, Path.Combine(_dir, "b", name));
            Assert.That(Files(Path.Combine(_dir, "b", name)), Is.EqualTo(Files(Path.Combine(_dir, "a", name))), name);
        }
    }

    /// <summary>
    /// Per protocol: an uninterrupted run; a run cancelled after its first video, with a half-written second video
    /// left behind as a killed process would leave it, then resumed; and two shards merged by the CLI. All three give
    /// the same files (the shards' merge has no per-video folders), and the same figures.
    /// </summary>
    [Category(TestCategory.EndToEnd)]
    [TestCase("ref-youtube-vos", null)]
    [TestCase("mevis", "valid_u")]
    [TestCase("mevis", "valid")]
    [TestCase("ref-davis17", null)]
    [TestCase("a2d-sentences", null)]
    [TestCase("jhmdb-sentences", null)]
    public void KilledAndResumedOrShardedRunsGiveTheUninterruptedOutputs(string dataset, string? split)
    {
        var root = Data(dataset);
        EvalOptions Options(string output) => this.Options(dataset, root, output) with { Split = split };
        var whole = EvalRunner.Run(Options("whole"));
        Assert.That(whole.Videos, Is.EqualTo(2));
        AssertProtocolOutputs(dataset, split, whole);
        var expected = Files(whole.OutputDirectory, Timing);

        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.VideosDone == 1) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => EvalRunner.Run(Options("killed"), progress, cancel.Token));
        var videos = Path.Combine(_dir, "killed", EvalRunner.VideosFolder);
        var finished = Directory.GetDirectories(videos).Select(Path.GetFileName).ToList();
        Assert.That(finished, Has.Count.EqualTo(1), "one finished video, nothing else");
        var protocol = EvalProtocol.Get(dataset);
        var second = Path.Combine(videos, $".{protocol.Videos(root, split ?? protocol.DefaultSplit)[1].Id}.partial");
        Directory.CreateDirectory(second);
        File.WriteAllText(Path.Combine(second, "00000.png"), "half a file");
        var again = Assert.Throws<MrvsException>(() => EvalRunner.Run(Options("killed")),
            "a second run without --resume")!;
        Assert.That(again.Message, Does.Contain("--resume"));
        var resumed = EvalRunner.Run(Options("killed") with { Resume = true });
        AssertSameFiles(expected, Files(resumed.OutputDirectory, Timing));
        Assert.That(resumed.Figures, Is.EqualTo(whole.Figures));

        var shards = Enumerable.Range(0, 2)
            .Select(i => EvalRunner.Run(Options($"shard{i}") with { ShardIndex = i, ShardCount = 2 })).ToList();
        Assert.That(shards.Select(s => s.Videos), Is.EqualTo(new[] { 1, 1 }));
        Assert.That(shards.All(s => !s.Merged));
        var half = Path.Combine(_dir, "half");
        var missing = Assert.Throws<MrvsException>(() => EvalRunner.Merge([shards[0].OutputDirectory], half))!;
        Assert.That(missing.Message, Does.Contain("have no results yet"));
        Assert.That(Directory.Exists(half), Is.False, "a failed merge leaves no output");
        var merged = Path.Combine(_dir, "merged");
        var (code, stdout, stderr) = Robustness.Mrvs.Run(
            "eval", "--merge", shards[0].OutputDirectory, shards[1].OutputDirectory, "--out", merged);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain(whole.Figures is null ? "figures: none" : "figures: " + whole.Figures));
        var submission = new SortedDictionary<string, byte[]>(expected, StringComparer.Ordinal);
        var perVideo = EvalRunner.VideosFolder + "/";
        foreach (var key in expected.Keys.Where(k => k.StartsWith(perVideo, StringComparison.Ordinal)))
            submission.Remove(key);
        AssertSameFiles(submission, Files(merged, Timing));
    }

    private static void AssertSameFiles(SortedDictionary<string, byte[]> expected,
        SortedDictionary<string, byte[]> actual)
    {
        Assert.That(actual.Keys, Is.EqualTo(expected.Keys));
        foreach (var key in expected.Keys) Assert.That(actual[key], Is.EqualTo(expected[key]), key);
    }

    /// <summary>
    /// What each protocol leaves besides the per-video folders (the demo model's scores are not asserted).
    /// </summary>
    private static void AssertProtocolOutputs(string dataset, string? split, EvalSummary whole)
    {
        var dir = whole.OutputDirectory;
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, EvalRunner.ResultFile)));
        Assert.That(result.RootElement.GetProperty("frames_per_second").GetDouble(), Is.GreaterThan(0));
        var figures = result.RootElement.GetProperty("figures");
        switch (dataset)
        {
            case "ref-youtube-vos" or "mevis":
                Assert.That(File.Exists(Path.Combine(dir, "submission.zip")));
                using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(dir, "submission.zip")))
                {
                    var names = zip.Entries.Select(e => e.FullName).ToList();
                    Assert.That(names, Is.EqualTo(names.Order(StringComparer.Ordinal)), "sorted entries");
                    Assert.That(names, Has.All.StartsWith("Annotations/").And.All.EndsWith(".png"));
                }
                Assert.That(Directory.GetFiles(Path.Combine(dir, "Annotations", "vid00", "1")), Has.Length.EqualTo(3));
                if (dataset == "mevis" && split == "valid")
                {
                    Assert.That(whole.Figures, Is.Null, "MeViS valid has no ground truth: the server scores it");
                    break;
                }
                // The figures are those of `mrvs score` on the written annotations against the ground truth.
                Assert.That(whole.Figures, Does.StartWith("J&F"));
                double j = figures.GetProperty("J-Mean").GetDouble(), f = figures.GetProperty("F-Mean").GetDouble();
                Assert.That(figures.GetProperty("J&F-Mean").GetDouble(), Is.EqualTo((j + f) / 2).Within(1e-12));
                Assert.That(result.RootElement.GetProperty("frames").GetInt32(), Is.EqualTo(whole.Frames));
                break;
            case "ref-davis17":
                for (int a = 0; a < 4; a++)
                    Assert.That(Directory.GetFiles(Path.Combine(dir, $"anno_{a}", "vid00")), Has.Length.EqualTo(3));
                Assert.That(whole.Figures, Does.StartWith("J&F"));
                var labels = Pipeline.Media.LabelPng.Read(Path.Combine(dir, "anno_0", "vid00", "00000.png"));
                Assert.That(labels.Pixels.All(p => p <= 2), "labels are background or one of the two objects");
                break;
            default:
                int samples = dataset == "a2d-sentences" ? 3 : 2;
                Assert.That(whole.Expressions, Is.EqualTo(samples));
                string[] figureNames =
                    ["mAP 0.5:0.95", "AP 0.5", "AR 0.5:0.95 @100", "overall_iou", "mean_iou", "P@0.5"];
                foreach (var name in figureNames)
                    Assert.That(figures.GetProperty(name).GetDouble(), Is.InRange(-1.0, 1.0), name);
                using (var predictions = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "predictions.json"))))
                    Assert.That(predictions.RootElement.GetArrayLength() % samples, Is.EqualTo(0),
                        "every query of every sample is a prediction");
                break;
        }
    }

    /// <summary>
    /// Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, too late to cancel).
    /// </summary>
    private sealed class SyncProgress(Action<EvalProgress> report) : IProgress<EvalProgress>
    {
        public void Report(EvalProgress value) => report(value);
    }
}
