using System.Collections;
using MRVS.Pipeline.Text;

namespace MRVS.Pipeline.Segmentation;

/// <summary>
/// The frames of one segmentation, produced clip by clip while the caller enumerates (once), with
/// <c>foreach</c> or <c>await foreach</c>. Only the current clip's frames are held, so a caller that writes each result
/// and drops it runs in memory bounded by a clip. The segmenter is locked only while a clip's forward runs, never
/// while the caller holds a result: streams of one segmenter may be consumed in any order, interleaved, on any threads.
/// </summary>
public sealed class SegmentationStream : IEnumerable<SegmentedFrame>, IAsyncEnumerable<SegmentedFrame>
{
    private Func<CancellationToken, IAsyncEnumerable<SegmentedFrame>>? _run;

    internal SegmentationStream(string? text, TokenizedText tokens, StageTimes times,
        Func<SegmentationStream, CancellationToken, IAsyncEnumerable<SegmentedFrame>> run)
    {
        Text = text;
        Tokens = tokens;
        Times = times;
        _run = cancel => run(this, cancel);
    }

    /// <summary>The sentence, or null when the caller passed token ids.</summary>
    public string? Text { get; }

    /// <summary>The ids the model sees, &lt;s&gt; and &lt;/s&gt; included.</summary>
    public TokenizedText Tokens { get; }

    /// <summary>Time per stage so far (complete once the enumeration ends).</summary>
    public StageTimes Times { get; }

    /// <summary>Forwards run so far.</summary>
    public int Clips { get; internal set; }

    /// <summary>Enumerates asynchronously: decoding, preprocessing and forwards run off the caller's thread.</summary>
    public IAsyncEnumerator<SegmentedFrame> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        Take()(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Enumerates synchronously, blocking the caller's thread while each clip is produced.</summary>
    public IEnumerator<SegmentedFrame> GetEnumerator() => new BlockingEnumerator(GetAsyncEnumerator());

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Func<CancellationToken, IAsyncEnumerable<SegmentedFrame>> Take()
    {
        var run = _run ?? throw new InvalidOperationException("a segmentation stream can be enumerated only once");
        _run = null;
        return run;
    }

    /// <summary>
    /// The asynchronous enumeration, waited for item by item (its awaits never need the caller's context).
    /// </summary>
    private sealed class BlockingEnumerator(IAsyncEnumerator<SegmentedFrame> inner) : IEnumerator<SegmentedFrame>
    {
        public SegmentedFrame Current => inner.Current;
        object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            var next = inner.MoveNextAsync();
            return next.IsCompletedSuccessfully ? next.Result : next.AsTask().GetAwaiter().GetResult();
        }

        public void Reset() => throw new NotSupportedException("a segmentation stream can be enumerated only once");

        public void Dispose()
        {
            var done = inner.DisposeAsync();
            if (!done.IsCompletedSuccessfully) done.AsTask().GetAwaiter().GetResult();
        }
    }
}
