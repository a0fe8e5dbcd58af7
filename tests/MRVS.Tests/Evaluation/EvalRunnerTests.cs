using System.Text.Json;
using MRVS.EvalDatasets;
using MRVS.Pipeline.Evaluation;
using MRVS.Tests.Support;

namespace MRVS.Tests.Evaluation;

/// <summary>
/// `mrvs eval` end to end on the generated small datasets with the shipped demo model: every protocol writes its
/// submission files and figures; a run cancelled after its first video and resumed gives byte-identical outputs to an
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
        new(dataset, root, Model, Path.Combine(_dir, output)) { Backend = "cpu" };

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

    [Test]
    public void ReferYouTubeVosCancelledAndResumedEqualsUninterrupted()
    {
        var root = Data("ref-youtube-vos");
        var whole = EvalRunner.Run(Options("ref-youtube-vos", root, "whole"));
        Assert.That(whole.Videos, Is.EqualTo(2));
        Assert.That(whole.Figures, Does.StartWith("J&F"));
        Assert.That(File.Exists(Path.Combine(whole.OutputDirectory, "submission.zip")));
        Assert.That(Directory.GetFiles(Path.Combine(whole.OutputDirectory, "Annotations", "vid00", "1")), Has.Length.EqualTo(3));

        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.VideosDone == 1) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => EvalRunner.Run(Options("ref-youtube-vos", root, "killed"), progress, cancel.Token));
        var killed = Path.Combine(_dir, "killed");
        Assert.That(Directory.GetDirectories(Path.Combine(killed, EvalRunner.VideosFolder)).Select(Path.GetFileName), Is.EqualTo(new[] { "vid00" }));
        Assert.Throws<IOException>(() => EvalRunner.Run(Options("ref-youtube-vos", root, "killed")), "a second run without --resume");
        var resumed = EvalRunner.Run(Options("ref-youtube-vos", root, "killed") with { Resume = true });
        var (expected, actual) = (Files(whole.OutputDirectory, Timing), Files(resumed.OutputDirectory, Timing));
        Assert.That(actual.Keys, Is.EqualTo(expected.Keys));
        foreach (var key in expected.Keys) Assert.That(actual[key], Is.EqualTo(expected[key]), key);
        Assert.That(resumed.Figures, Is.EqualTo(whole.Figures));

        // The figures are those of `mrvs score` on the written annotations against the dataset's ground truth.
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(whole.OutputDirectory, EvalRunner.ResultFile)));
        var figures = result.RootElement.GetProperty("figures");
        var j = figures.GetProperty("J-Mean").GetDouble();
        var f = figures.GetProperty("F-Mean").GetDouble();
        Assert.That(figures.GetProperty("J&F-Mean").GetDouble(), Is.EqualTo((j + f) / 2).Within(1e-12));
        Assert.That(result.RootElement.GetProperty("frames").GetInt32(), Is.EqualTo(12));
        Assert.That(result.RootElement.GetProperty("frames_per_second").GetDouble(), Is.GreaterThan(0));
    }

    [Test]
    public void ShardsMergeIntoTheSameSubmission()
    {
        var root = Data("mevis");
        var whole = EvalRunner.Run(Options("mevis", root, "whole") with { Split = "valid_u" });
        Assert.That(whole.Figures, Does.StartWith("J&F"));
        var shards = Enumerable.Range(0, 2).Select(i => EvalRunner.Run(Options("mevis", root, $"shard{i}") with { Split = "valid_u", ShardIndex = i, ShardCount = 2 })).ToList();
        Assert.That(shards.Select(s => s.Videos), Is.EqualTo(new[] { 1, 1 }));
        Assert.That(shards.All(s => !s.Merged));
        Assert.Throws<InvalidDataException>(() => EvalRunner.Merge([shards[0].OutputDirectory], Path.Combine(_dir, "half")));
        var (code, stdout, stderr) = MrvsCli.Mrvs("eval", "--merge", shards[0].OutputDirectory, shards[1].OutputDirectory, "--out", Path.Combine(_dir, "merged"));
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("figures: J&F"));
        var submission = Files(whole.OutputDirectory, Timing);
        foreach (var key in submission.Keys.Where(k => k.StartsWith(EvalRunner.VideosFolder + "/", StringComparison.Ordinal)).ToList()) submission.Remove(key);
        Assert.That(Files(Path.Combine(_dir, "merged"), Timing), Is.EqualTo(submission));
    }

    [Test]
    public void ReferDavisWritesIndexedPngsPerAnnotator()
    {
        var summary = EvalRunner.Run(Options("ref-davis17", Data("ref-davis17"), "davis"));
        for (int a = 0; a < 4; a++)
            Assert.That(Directory.GetFiles(Path.Combine(summary.OutputDirectory, $"anno_{a}", "vid00")), Has.Length.EqualTo(3));
        Assert.That(summary.Figures, Does.StartWith("J&F"));
        var labels = Pipeline.Media.LabelPng.Read(Path.Combine(summary.OutputDirectory, "anno_0", "vid00", "00000.png"));
        Assert.That(labels.Pixels.All(p => p <= 2), "labels are background or one of the two objects");
    }

    [TestCase("a2d-sentences", 2)]
    [TestCase("jhmdb-sentences", 2)]
    public void ActorActionDatasetsGiveCocoAndReferringFigures(string dataset, int samples)
    {
        var summary = EvalRunner.Run(Options(dataset, Data(dataset), dataset));
        Assert.That(summary.Expressions, Is.EqualTo(samples));
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(summary.OutputDirectory, EvalRunner.ResultFile)));
        var figures = result.RootElement.GetProperty("figures");
        foreach (var name in new[] { "mAP 0.5:0.95", "AP 0.5", "overall_iou", "mean_iou", "P@0.5" })
            Assert.That(figures.GetProperty(name).GetDouble(), Is.InRange(-1.0, 1.0), name);
        using var predictions = JsonDocument.Parse(File.ReadAllText(Path.Combine(summary.OutputDirectory, "predictions.json")));
        Assert.That(predictions.RootElement.GetArrayLength() % samples, Is.EqualTo(0), "every query of every sample is a prediction");
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, too late to cancel).</summary>
    private sealed class SyncProgress(Action<EvalProgress> report) : IProgress<EvalProgress>
    {
        public void Report(EvalProgress value) => report(value);
    }
}
