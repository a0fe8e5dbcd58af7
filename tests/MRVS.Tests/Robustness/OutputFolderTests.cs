using MRVS.Pipeline.Media;
using MRVS.Tests.Segmentation;
using MRVS.Tests.Support;

namespace MRVS.Tests.Robustness;

/// <summary>
/// What a run leaves on disk (issue 10): an output folder is either the complete old one or the complete new one,
/// signals clean up like Ctrl-C, leftovers of killed runs are removed, odd --out paths and non-regular inputs are
/// handled.
/// </summary>
[NonParallelizable]
public class OutputFolderTests
{
    private TestModelFolder _model = null!;
    private string _dir = "";

    [OneTimeSetUp] public void OneTimeSetUp() => _model = new TestModelFolder("socpp-tiny");
    [OneTimeTearDown] public void OneTimeTearDown() => _model.Dispose();
    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-output-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Out => Path.Combine(_dir, "out");

    private string Gif(int frames)
    {
        var gif = Path.Combine(_dir, "clip.gif");
        AnimatedGifWriter.Write(gif, TestFrames.Noise(frames, 64, 48), 10);
        return gif;
    }

    private string[] SegmentArgs(string input, params string[] more) =>
        ["segment", "--model", _model.Path, "--text", "the red ball", "--input", input, "--out", Out, "--backend",
            "cpu", .. more];

    [Test]
    public void OverwriteNeverShowsAMixOfOldAndNew()
    {
        const int oldFiles = 3000;
        Directory.CreateDirectory(Out);
        for (int i = 0; i < oldFiles; i++) File.WriteAllText(Path.Combine(Out, $"old-{i}.txt"), "old");
        var gif = Gif(2);
        var run = Task.Factory.StartNew(() => Mrvs.Run(SegmentArgs(gif, "--overwrite")),
            TaskCreationOptions.LongRunning);
        var mixes = new List<string>();
        while (!run.IsCompleted)
        {
            try
            {
                var names = Directory.GetFileSystemEntries(Out).Select(Path.GetFileName).ToList();
                int old = names.Count(n => n!.StartsWith("old-", StringComparison.Ordinal));
                if (old != 0 && (old != oldFiles || names.Count != oldFiles))
                    mixes.Add($"{old} old files among {names.Count}");
            }
            catch (DirectoryNotFoundException) { } // between the two renames
        }
        Assert.That(run.Result.Code, Is.Zero, run.Result.Stderr);
        Assert.That(mixes, Is.Empty, "the output folder was seen half replaced");
        Assert.That(File.Exists(Path.Combine(Out, "result.json")) && !File.Exists(Path.Combine(Out, "old-0.txt")));
        Assert.That(Directory.GetDirectories(_dir, ".out.*"), Is.Empty, "nothing set aside is left");
    }

    [Test]
    public void LeftoversOfDeadProcessesAreRemovedByTheNextRun()
    {
        int dead = DeadPid();
        var partial = Directory.CreateDirectory(Path.Combine(_dir, $".out.partial-{dead}")).FullName;
        File.WriteAllText(Path.Combine(partial, "result.json"), "{}");
        var r = Mrvs.Run(SegmentArgs(Gif(1)));
        Assert.That(r.Code, Is.Zero, r.Stderr);
        Assert.That(Directory.GetDirectories(_dir, ".out.*"), Is.Empty);
    }

    private static int DeadPid()
    {
        for (int pid = 4_000_000; ; pid--)
            if (!Directory.Exists($"/proc/{pid}")) return pid;
    }

    [Category(TestCategory.EndToEnd)]
    [TestCase("TERM", 143)]
    [TestCase("HUP", 129)]
    public void SignalsCleanUpLikeCtrlC(string signal, int code)
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("POSIX signals");
        using var child = Mrvs.Start(SegmentArgs(Gif(40), "--clip", "1"));
        // Wait until the run has created its staging folder (it does so before loading the model).
        for (int i = 0; i < 300 && Directory.GetDirectories(_dir, ".out.partial-*").Length == 0; i++) Thread.Sleep(100);
        Assert.That(Directory.GetDirectories(_dir, ".out.partial-*"), Is.Not.Empty, "the run started writing");
        Thread.Sleep(1500);
        Mrvs.Signal(child, signal);
        var r = Mrvs.Finish(child, TimeSpan.FromSeconds(120));
        Assert.That(r.Code, Is.EqualTo(code), r.Stderr);
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("cancelled"));
        Assert.That(Directory.Exists(Out), Is.False);
        Assert.That(Directory.GetDirectories(_dir, ".out.*"), Is.Empty, "the staging folder is deleted");
    }

    [Test]
    public void TrailingSlashOnTheOutputFolderIsFine()
    {
        var output = Path.Combine(_dir, "model") + "/";
        var r = Mrvs.Run("convert", Fixtures.File("socpp-tiny", "checkpoint.pth.tar"), "--config",
            Fixtures.File("socpp-tiny", "config.json"),
            "--out", output);
        Assert.That(r.Code, Is.Zero, r.Stderr);
        Assert.That(File.Exists(Path.Combine(_dir, "model", "model.safetensors")));
        Assert.That(Directory.GetDirectories(_dir, ".*"), Is.Empty);
    }

    [Test]
    public void RootAsTheOutputFolderIsRefused()
    {
        var r = Mrvs.Run(["segment", "--model", _model.Path, "--text", "a cat", "--input", Gif(1), "--out", "/",
            "--backend", "cpu"]);
        Mrvs.AssertFailure(r, "root");
    }

    [Test]
    public void FifoAsTheInputIsRefusedNotWaitedOn()
    {
        var fifo = HostileFiles.Fifo(Path.Combine(_dir, "clip.gif"));
        var r = Mrvs.RunWithin(TimeSpan.FromSeconds(30), () => HostileFiles.Release(fifo), SegmentArgs(fifo));
        Assert.That(r, Is.Not.Null, "segment hung on a FIFO");
        Mrvs.AssertFailure(r!.Value, "clip.gif", "FIFO");
    }

    [Test]
    public void FifoAsTheCheckpointIsRefusedNotWaitedOn()
    {
        var fifo = HostileFiles.Fifo(Path.Combine(_dir, "model.pth"));
        var r = Mrvs.RunWithin(TimeSpan.FromSeconds(30), () => HostileFiles.Release(fifo),
            "convert", fifo, "--config", Fixtures.File("socpp-tiny", "config.json"), "--out", Out);
        Assert.That(r, Is.Not.Null, "convert hung on a FIFO");
        Mrvs.AssertFailure(r!.Value, "model.pth", "FIFO");
    }

    [Test]
    [Category(TestCategory.EndToEnd)]
    public void ModelTruncatedWhileSegmentingDoesNotCrashTheProcess()
    {
        var model = HostileFiles.ModelFolder(Path.Combine(_dir, "model"));
        var weights = Path.Combine(model, "model.safetensors");
        using var child = Mrvs.Start(["segment", "--model", model, "--text", "the red ball", "--input", Gif(30),
            "--out", Out, "--backend", "cpu",
            "--clip", "1"]);
        for (int i = 0; i < 300 && Directory.GetDirectories(_dir, ".out.partial-*").Length == 0; i++) Thread.Sleep(100);
        Thread.Sleep(3000); // the model is loaded and forwards are running
        using (var f = new FileStream(weights, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) f.SetLength(100);
        var r = Mrvs.Finish(child, TimeSpan.FromSeconds(300));
        Assert.That(r.Code, Is.AnyOf(0, 2), $"no crash; stderr: {r.Stderr}");
        Assert.That(r.StderrLines.Length, Is.LessThanOrEqualTo(1), r.Stderr);
        Assert.That(Directory.GetDirectories(_dir, ".out.*"), Is.Empty);
    }
}
