using System.Reflection;
using MRVS.Core.Limits;
using MRVS.Pipeline;
using MRVS.Pipeline.Conversion;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;
using MRVS.Pipeline.Segmentation;
using MRVS.Tests.Segmentation;
using MRVS.Tests.Support;

namespace MRVS.Tests.Robustness;

/// <summary>
/// The library API as applications use it (issue 10): async, cancellation, one exception type, own types.
/// </summary>
public class SegmenterApiTests
{
    private static readonly SegmenterOptions Small
        = new() { Backend = Backend.Cpu, ClipLength = 2, Resize = new EvalResizeRule(48, 64) };
    private TestModelFolder _model = null!;
    private string _dir = "";

    [OneTimeSetUp] public void OneTimeSetUp() => _model = new TestModelFolder("socpp-tiny");
    [OneTimeTearDown] public void OneTimeTearDown() => _model.Dispose();
    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-api-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public async Task AsyncResultsEqualTheSynchronousOnes()
    {
        using var seg = await Segmenter.LoadAsync(_model.Path, Small);
        var frames = TestFrames.Noise(5, 64, 48);
        var sync = seg.Segment(frames, "the cat");
        var whole = await seg.SegmentAsync(frames, "the cat");
        var streamed = new List<SegmentedFrame>();
        await foreach (var f in seg.SegmentStreamAsync(Frames(frames), "the cat")) streamed.Add(f);
        Assert.That(whole.Frames.Select(f => f.Mask), Is.EqualTo(sync.Frames.Select(f => f.Mask)));
        Assert.That(streamed.Select(f => f.Mask), Is.EqualTo(sync.Frames.Select(f => f.Mask)));
        Assert.That(streamed.Select(f => f.Clip), Is.EqualTo(new[] { 0, 0, 1, 1, 2 }));
    }

    private static async IAsyncEnumerable<RgbFrame> Frames(IEnumerable<RgbFrame> frames)
    {
        foreach (var f in frames)
        {
            await Task.Yield();
            yield return f;
        }
    }

    [Test]
    public async Task CancellationStopsTheAsyncStreamAfterAClip()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        Assert.ThrowsAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in seg.SegmentStreamAsync(TestFrames.Noise(6, 64, 48),
                "the cat").WithCancellation(cancel.Token))
            {
                seen++;
                cancel.Cancel();
            }
        });
        Assert.That(seen, Is.EqualTo(Small.ClipLength), "the first clip's results came out, then no further clip ran");
        Assert.That((await seg.SegmentAsync(TestFrames.Noise(1, 64, 48), "the cat")).Frames, Has.Count.EqualTo(1),
            "usable afterwards");
    }

    [Test]
    public async Task ConcurrentAsyncCallsQueueAndAgree()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        var frames = TestFrames.Noise(3, 64, 48);
        var expected = seg.Segment(frames, "the cat").Frames.Select(f => f.Mask).ToList();
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => seg.SegmentAsync(frames, "the cat")));
        foreach (var r in runs) Assert.That(r.Frames.Select(f => f.Mask), Is.EqualTo(expected));
    }

    /// <summary>Failures from every corner of the public API surface as the one exception type, with a kind.</summary>
    [Test]
    public void EveryFailureIsAnMrvsExceptionWithAKind()
    {
        var truncated = HostileFiles.ModelFolder(Path.Combine(_dir, "truncated"));
        using (var f = new FileStream(Path.Combine(truncated, "model.safetensors"), FileMode.Open)) f.SetLength(1000);
        var badGif = Path.Combine(_dir, "bad.gif");
        File.WriteAllBytes(badGif, "GIF89a\x04\x00"u8.ToArray());
        var notZip = Path.Combine(_dir, "not.pth");
        File.WriteAllText(notZip, "hello");
        using var seg = Segmenter.Load(_model.Path, Small);
        var cases = new (string What, TestDelegate Call, MrvsErrorKind Kind)[]
        {
            ("missing model folder", () => Segmenter.Load(Path.Combine(_dir, "nowhere")), MrvsErrorKind.BadModel),
            ("truncated weights", () => Segmenter.Load(truncated), MrvsErrorKind.BadModel),
            ("empty sentence", () => seg.Segment(TestFrames.Noise(1, 64, 48), " "), MrvsErrorKind.BadInput),
            ("frames of two sizes", () => seg.Segment(
                [TestFrames.NoiseFrame(0, 64, 48), TestFrames.NoiseFrame(1, 32, 48)],
                "a cat"), MrvsErrorKind.BadInput),
            ("damaged GIF", () => FrameSource.Open(badGif), MrvsErrorKind.BadInput),
            ("clip over the memory limit",
                () => Segmenter.Load(_model.Path, Small with { Limits = new ResourceLimits { MaxClipBytes = 1000 } })
                .Segment(TestFrames.Noise(2, 64, 48), "a cat"), MrvsErrorKind.ResourceLimit),
            ("not a checkpoint", () => CheckpointConverter.Convert(notZip,
                MRVS.Models.Config.ModelVariants.Get("soc-ytvos-swin-t"), Path.Combine(_dir, "o")),
                MrvsErrorKind.BadModel),
            ("output is a file", () => SegmentationJob.Run(
                new SegmentationJobOptions(_model.Path, "a cat", [badGif], badGif)),
                MrvsErrorKind.BadInput),
            ("negative clip length", () => Segmenter.Load(_model.Path, Small with { ClipLength = -1 }),
                MrvsErrorKind.BadInput),
        };
        foreach (var (what, call, kind) in cases)
        {
            var e = Assert.Catch<MrvsException>(call, what)!;
            Assert.That(e.Kind, Is.EqualTo(kind), what);
            Assert.That(e.Message, Does.Not.Contain("\n").And.Not.Contain("(Parameter"), what);
        }
    }

    [Test]
    public void NonFiniteScoresAreABadModel()
    {
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "huge"));
        var weights = Path.Combine(folder, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        using (var file = Core.IO.SafeTensorsFile.Open(weights))
        {
            long data = 8 + BitConverter.ToInt64(bytes);
            var info = file.Info("class_embed.2.bias");
            BitConverter.GetBytes(float.PositiveInfinity).CopyTo(bytes, data + info.Begin);
        }
        File.WriteAllBytes(weights, bytes);
        var e = Assert.Catch<MrvsException>(() => Segmenter.Load(folder, Small))!;
        Assert.That(e.Kind, Is.EqualTo(MrvsErrorKind.BadModel));
        Assert.That(e.Message, Does.Contain("NaN or Inf").And.Contain("class_embed.2.bias"));
    }

    // Reflection over the test's own reference to the assembly; nothing is trimmed in a test run.
#pragma warning disable IL2026, IL2070
    [Test]
    public void PublicSignaturesUseImageSharpOnlyInTheAdapterNamespace()
    {
        var leaks = typeof(Segmenter).Assembly.GetExportedTypes()
            .Where(t => t.Namespace != "MRVS.Pipeline.ImageSharp")
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static
                    | BindingFlags.DeclaredOnly)
                .Where(m => Signature(m).Any(IsImageSharp))
                .Select(m => $"{t.Name}.{m.Name}"))
            .ToList();
        Assert.That(leaks, Is.Empty);
    }
#pragma warning restore IL2026, IL2070

    private static bool IsImageSharp(Type t) => t.Namespace?.StartsWith("SixLabors", StringComparison.Ordinal) is true;

    private static IEnumerable<Type> Signature(MemberInfo m) => (m switch
    {
        MethodInfo x => [x.ReturnType, .. x.GetParameters().Select(p => p.ParameterType)],
        PropertyInfo x => [x.PropertyType],
        FieldInfo x => [x.FieldType],
        ConstructorInfo x => x.GetParameters().Select(p => p.ParameterType),
        _ => Array.Empty<Type>(),
    }).SelectMany(Flatten);

    private static IEnumerable<Type> Flatten(Type t) =>
        t.IsGenericType ? [t, .. t.GetGenericArguments().SelectMany(Flatten)] : t.HasElementType
            ? Flatten(t.GetElementType()!) : [t];

    [TestCase("auto", Backend.Auto)]
    [TestCase("CPU", Backend.Cpu)]
    [TestCase("cuda", Backend.Cuda)]
    [TestCase("Cuda-Emu", Backend.CudaEmu)]
    public void BackendNamesParse(string name, Backend expected)
    {
        Assert.That(BackendNames.Parse(name), Is.EqualTo(expected));
        Assert.That(BackendNames.Parse(expected.Name()), Is.EqualTo(expected));
    }

    [Test]
    public void UnknownBackendIsABadInput() =>
        Assert.That(Assert.Throws<MrvsException>(() => BackendNames.Parse("tpu"))!.Message,
            Does.Contain("tpu").And.Contain("cuda-emu"));

    /// <summary>
    /// The shipped sample, run on a model truncated on disk: one line naming the file, exit 1, no crash (it was exit
    /// 134).
    /// </summary>
    [Test]
    [Category(TestCategory.EndToEnd)]
    public void EmbeddingSampleReportsATruncatedModelInOneLine()
    {
        var folder = HostileFiles.ModelFolder(Path.Combine(_dir, "model"));
        using (var f = new FileStream(Path.Combine(folder, "model.safetensors"), FileMode.Open)) f.SetLength(5000);
        var gif = Path.Combine(_dir, "clip.gif");
        AnimatedGifWriter.Write(gif, TestFrames.Noise(2, 32, 24), 10);
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "EmbeddingSample.dll"), folder, gif,
                "the red ball" },
        };
        using var sample = System.Diagnostics.Process.Start(info)!;
        var r = Mrvs.Finish(sample, TimeSpan.FromSeconds(120));
        Assert.That(r.Code, Is.EqualTo(1), r.Stderr);
        Assert.That(r.StderrLines, Has.Length.EqualTo(1));
        Assert.That(r.StderrLines[0], Does.StartWith("BadModel: ").And.Contain("model.safetensors"));
    }
}
