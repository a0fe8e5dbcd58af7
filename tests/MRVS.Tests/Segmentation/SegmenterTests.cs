using MRVS.Core.IO;
using MRVS.Pipeline;
using MRVS.Pipeline.ImageSharp;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;
using MRVS.Pipeline.Segmentation;
using MRVS.Pipeline.Text;
using MRVS.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Tests.Segmentation;

public class SegmenterTests
{
    /// <summary>Small frames kept at their size, so a forward takes well under a second on the CPU.</summary>
    private static readonly SegmenterOptions Small
        = new() { Backend = Backend.Cpu, ClipLength = 2, Resize = new EvalResizeRule(48, 64) };

    private TestModelFolder _model = null!;

    [OneTimeSetUp] public void SetUp() => _model = new TestModelFolder("socpp-tiny");
    [OneTimeTearDown] public void TearDown() => _model.Dispose();

    [Test]
    public void FixtureFramesGiveTheOfficialMasksAndScores()
    {
        using var inputs = SafeTensorsFile.Open(Fixtures.File("socpp-tiny", "inputs.safetensors"));
        using var outputs = SafeTensorsFile.Open(Fixtures.File("socpp-tiny", "outputs.safetensors"));
        using var post = SafeTensorsFile.Open(Fixtures.File("socpp-tiny", "postprocess.safetensors"));
        using var raw = inputs.Get("raw.video0.frames");
        int t = raw.Shape[0], h = raw.Shape[1], w = raw.Shape[2];
        var frames = Enumerable.Range(0, t).Select(i => new RgbFrame($"{i}", w, h, raw.Span<byte>().Slice(i * h * w * 3,
            h * w * 3).ToArray())).ToList();
        var ids = Array.ConvertAll(inputs.Get("text.input_ids").Span<long>().ToArray(), id => (int)id);

        // The fixture's frames are already at the eval size; the rule keeps them so.
        using var seg = Segmenter.Load(_model.Path,
            new SegmenterOptions { Backend = Backend.Cpu, ClipLength = 0, Resize = new EvalResizeRule(h, w) });
        var results = seg.SegmentStream(frames, new TokenizedText(ids, Array.ConvertAll(ids, id => $"{id}"))).ToList();

        var expected = post.Get("post.video0.nearest_in").Span<float>();
        long ambiguous = post.Get("post.num_ambiguous_pixels").Span<long>()[0];
        int selected = (int)post.Get("post.pred_trajectory_indices").Span<long>()[0];
        var cls = outputs.Get("out.pred_cls");
        int queries = cls.Shape[2];
        long differing = 0;
        for (int i = 0; i < t; i++)
        {
            for (int p = 0; p < h * w; p++) if (results[i].Mask[p] != expected[i * h * w + p]) differing++;
            float score = 1 / (1 + MathF.Exp(-cls.Span<float>()[i * queries + selected]));
            Assert.That(results[i].Score, Is.EqualTo(score).Within(1e-5), $"frame {i} score");
            Assert.That(results[i].Area, Is.EqualTo(results[i].Mask.Count(m => m != 0)));
        }
        Assert.That(differing, Is.LessThanOrEqualTo(ambiguous),
            "mask pixels differing from the official post-processing (beyond those within 1e-4 of the threshold)");
    }

    [Test]
    public void ClipsAreStreamedAndEachHoldsAtMostTheClipLength()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        var counter = new TestFrames.Counter();
        var stream = seg.SegmentStream(TestFrames.Counted(5, 64, 48, counter), "the red ball");
        int consumed = 0;
        var clips = new List<int>();
        foreach (var f in stream)
        {
            Assert.That(counter.Pulled - consumed, Is.LessThanOrEqualTo(Small.ClipLength),
                $"frames held when frame {f.Index} came out");
            Assert.That(f.Index, Is.EqualTo(consumed));
            Assert.That((f.Width, f.Height, f.Mask.Length), Is.EqualTo((64, 48, 64 * 48)));
            clips.Add(f.Clip);
            consumed++;
        }
        Assert.That(clips, Is.EqualTo(new[] { 0, 0, 1, 1, 2 }));
        Assert.That(stream.Clips, Is.EqualTo(3));
        Assert.That(stream.Times.Stages.Select(s => s.Stage), Is.SupersetOf(new[] { "tokenize", "decode", "preprocess",
            "build", "forward", "postprocess" }));
    }

    [Test]
    public void BoxBoundsTheMask()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        foreach (var f in seg.Segment(TestFrames.Noise(2, 64, 48), "a dog").Frames)
        {
            if (f.Box is not { } b) { Assert.That(f.Area, Is.Zero); continue; }
            int inside = 0;
            for (int y = b.Y; y < b.Y + b.Height; y++)
                for (int x = b.X; x < b.X + b.Width; x++) inside += f.Mask[y * 64 + x];
            Assert.That(inside, Is.EqualTo(f.Area), "every mask pixel lies in the box");
            Assert.That(Enumerable.Range(b.X, b.Width).Any(x => f.Mask[b.Y * 64 + x] != 0),
                "the box's top row touches the mask");
        }
    }

    [Test]
    public void ImageSharpFramesGiveTheSameResultAsRawBuffers()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        var frames = TestFrames.Noise(2, 64, 48);
        var images = frames.Select(f => Image.LoadPixelData<Rgb24>(f.Rgb, f.Width, f.Height)).ToList();
        try
        {
            var a = seg.Segment(frames, "the cat");
            var b = seg.Segment(images, "the cat");
            Assert.That(b.Frames.Select(f => f.Mask), Is.EqualTo(a.Frames.Select(f => f.Mask)));
            Assert.That(b.Frames.Select(f => f.Score), Is.EqualTo(a.Frames.Select(f => f.Score)));
        }
        finally
        {
            foreach (var i in images) i.Dispose();
        }
    }

    [Test]
    public void ConcurrentCallsRunOneAtATimeWithUnchangedResults()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        var frames = TestFrames.Noise(3, 64, 48);
        var expected = seg.Segment(frames, "the cat").Frames.Select(f => f.Mask).ToList();
        var runs = Enumerable.Range(0, 3).Select(_ => Task.Run(() => seg.Segment(frames, "the cat"))).ToArray();
        Task.WaitAll(runs);
        foreach (var r in runs) Assert.That(r.Result.Frames.Select(f => f.Mask), Is.EqualTo(expected));
    }

    [Test]
    public void CancellationStopsBetweenClips()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        using var cancel = new CancellationTokenSource();
        var stream = seg.SegmentStream(TestFrames.Noise(6, 64, 48), "the cat", cancel.Token);
        int seen = 0;
        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (var _ in stream) { seen++; cancel.Cancel(); }
        });
        Assert.That(seen, Is.EqualTo(Small.ClipLength), "the first clip's frames came out, then the run stopped");
        Assert.That(seg.Segment(TestFrames.Noise(1, 64, 48), "the cat").Frames, Has.Count.EqualTo(1),
            "the segmenter is usable after a cancelled run");
    }

    [TestCase("", "empty")]
    [TestCase("   ", "empty")]
    public void EmptySentenceIsRejected(string text, string expected)
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        var e = Assert.Throws<MrvsException>(() => seg.SegmentStream(TestFrames.Noise(1, 64, 48), text))!;
        Assert.That(e.Message, Does.Contain(expected));
    }

    [Test]
    public void TooLongSentenceNamesTheLimit()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        var e = Assert.Throws<MrvsException>(()
            => seg.SegmentStream(TestFrames.Noise(1, 64, 48), new string('x', seg.MaxTokens)))!;
        Assert.That(e.Message, Does.Contain($"at most {seg.MaxTokens}"));
        Assert.That(seg.Tokenize(new string('x', seg.MaxTokens - 2)).Length, Is.EqualTo(seg.MaxTokens),
            "the longest sentence that fits is accepted");
    }

    [Test]
    public void FramesOfAnotherSizeAreNamed()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        var frames = new[] { TestFrames.NoiseFrame(0, 64, 48), TestFrames.NoiseFrame(1, 64, 48),
            TestFrames.NoiseFrame(2, 60, 48) };
        var e = Assert.Throws<MediaException>(() => seg.Segment(frames, "the cat"))!;
        Assert.That(e.Message, Does.Contain("'00002' is 60x48"));
    }

    [Test]
    public void NoFramesIsAnError()
    {
        using var seg = Segmenter.Load(_model.Path, Small);
        Assert.That(Assert.Throws<MediaException>(() => seg.Segment(Array.Empty<RgbFrame>(), "the cat"))!.Message,
            Does.Contain("no frames"));
    }

    [Test]
    public void DisposedSegmenterRefusesWork()
    {
        var seg = Segmenter.Load(_model.Path, Small);
        seg.Dispose();
        seg.Dispose();
        Assert.Throws<ObjectDisposedException>(() => seg.Segment(TestFrames.Noise(1, 64, 48), "the cat"));
    }

    [Test]
    public void ReducedPrecisionOnTheCpuIsRefusedAtLoad()
    {
        var e = Assert.Throws<MrvsException>(()
            => Segmenter.Load(_model.Path, Small with { Precision = Core.Execution.Precision.Fp16 }))!;
        Assert.That(e.Message, Does.Contain("fp16"));
    }
}
