using MRVS.Pipeline.Preprocessing;
using MRVS.Pipeline.Segmentation;
using MRVS.Tests.Segmentation;

namespace MRVS.Tests.Robustness;

/// <summary>Streams of one segmenter consumed in any order on one thread finish (issue 10: they deadlocked).</summary>
public class StreamInterleavingTests
{
    private TestModelFolder _model = null!;

    [OneTimeSetUp] public void OneTimeSetUp() => _model = new TestModelFolder("socpp-tiny");
    [OneTimeTearDown] public void OneTimeTearDown() => _model.Dispose();

    [Test]
    public void TwoStreamsConsumedInterleavedOnOneThreadFinish()
    {
        var seg = Segmenter.Load(_model.Path,
            new SegmenterOptions { ClipLength = 1, Resize = new EvalResizeRule(48, 64) });
        var expected = seg.Segment(TestFrames.Noise(3, 64, 48), "the cat").Frames.Select(f => f.Mask).ToList();
        var run = Task.Factory.StartNew(() =>
        {
            using var a = seg.SegmentStream(TestFrames.Noise(3, 64, 48), "the cat").GetEnumerator();
            using var b = seg.SegmentStream(TestFrames.Noise(3, 64, 48), "the cat").GetEnumerator();
            var (fromA, fromB) = (new List<byte[]>(), new List<byte[]>());
            while (true)
            {
                bool more = false;
                if (a.MoveNext()) { fromA.Add(a.Current.Mask); more = true; }
                if (b.MoveNext()) { fromB.Add(b.Current.Mask); more = true; }
                if (!more) return (fromA, fromB);
            }
        }, TaskCreationOptions.LongRunning);
        // A deadlocked stream keeps the segmenter locked, and Dispose would wait for it: only a finished run disposes.
        Assert.That(run.Wait(TimeSpan.FromSeconds(120)), Is.True, "the two streams deadlocked");
        seg.Dispose();
        Assert.That(run.Result.fromA, Is.EqualTo(expected));
        Assert.That(run.Result.fromB, Is.EqualTo(expected));
    }
}
