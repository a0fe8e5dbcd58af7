using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;
using MRVS.Pipeline.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Pipeline.Segmentation;

/// <summary>
/// Referring video segmentation for applications: load a model folder once, then segment videos by sentence.
/// <code>
/// using var seg = Segmenter.Load("models/socpp-ytvos-swin-b", new SegmenterOptions { Backend = "cuda" });
/// SegmentationResult r = seg.Segment(frames, "the man in a red shirt");
/// </code>
/// Each clip of <see cref="SegmenterOptions.ClipLength"/> frames goes through the official eval preprocessing,
/// one forward and the Ref-YouTube-VOS post-processing on the backend (the best query for the clip, its mask resized to the frame).
/// Thread safety: one instance may be shared by threads, but its calls run one at a time (they share one device
/// arena per input shape); load one Segmenter per thread or GPU for parallel work. Dispose releases the device
/// memory, the weights and the backend; do not dispose while a call is running.
/// </summary>
public sealed class Segmenter : IDisposable
{
    /// <summary>Executors kept per input shape: a video's full clips and its shorter last clip.</summary>
    private const int CachedShapes = 2;

    private readonly ModelFolder _model;
    private readonly IBackend _backend;
    private readonly EvalPreprocessor _preprocessor;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly LinkedList<(ExecutorKey Key, Executor Executor)> _executors = new();

    /// <summary>
    /// What an executor is built for: the input shape, and either the final masks at the original size or the raw heads.
    /// </summary>
    private sealed record ExecutorKey(ForwardShape Shape, (int H, int W)? Original, int? ValidFrame);
    private bool _disposed;

    private Segmenter(ModelFolder model, IBackend backend, SegmenterOptions options)
    {
        _model = model;
        _backend = backend;
        Options = options;
        _preprocessor = new EvalPreprocessor(options.Resize);
    }

    public SegmenterOptions Options { get; }
    public string Model => _model.Config.Variant;
    public string Backend => _backend.Name;

    /// <summary>The longest sentence the model takes, in tokens, &lt;s&gt; and &lt;/s&gt; included.</summary>
    public int MaxTokens => _model.MaxTokens;

    /// <summary>Opens a model folder (config.json, model.safetensors, vocab.json, merges.txt), checks it, and creates the backend.</summary>
    public static Segmenter Load(string modelDirectory, SegmenterOptions? options = null)
    {
        options ??= new SegmenterOptions();
        if (options.ClipLength < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"clip length {options.ClipLength} must be positive, or 0 for the whole video in one forward");
        var model = ModelFolder.Open(modelDirectory);
        try
        {
            return new Segmenter(model, BackendFactory.Create(options.Backend, options.Precision), options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The ids the model sees for <paramref name="text"/>; throws for an empty sentence or one longer than <see cref="MaxTokens"/>.</summary>
    public TokenizedText Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("the sentence is empty; describe the object to segment, e.g. \"the dog jumping over the fence\"", nameof(text));
        var tokens = _model.Tokenizer.Encode(text);
        if (tokens.Length > MaxTokens)
            throw new ArgumentException($"the sentence is {tokens.Length} tokens long (<s> and </s> included), but model '{Model}' takes at most {MaxTokens}; shorten it", nameof(text));
        return tokens;
    }

    /// <summary>Segments every frame and returns all results (frames included); see <see cref="SegmentStream(IEnumerable{RgbFrame}, string, CancellationToken)"/> to process long videos in bounded memory.</summary>
    public SegmentationResult Segment(IEnumerable<RgbFrame> frames, string text, CancellationToken cancel = default)
    {
        var stream = SegmentStream(frames, text, cancel);
        return new SegmentationResult(Model, Backend, Options.Precision, text, stream.Tokens, stream.ToList(), stream.Times);
    }

    /// <summary>Segments ImageSharp images (frame names are their 00000-style indices).</summary>
    public SegmentationResult Segment(IEnumerable<Image<Rgb24>> frames, string text, CancellationToken cancel = default) =>
        Segment(frames.Select((image, i) => RgbFrame.FromImage(image, $"{i:D5}")), text, cancel);

    /// <summary>
    /// Segments lazily: frames are pulled from <paramref name="frames"/> one clip at a time and each clip's results
    /// are yielded before the next clip is read. The sentence is checked now; frames when enumerated.
    /// </summary>
    public SegmentationStream SegmentStream(IEnumerable<RgbFrame> frames, string text, CancellationToken cancel = default)
    {
        var times = new StageTimes();
        var tokens = times.Measure("tokenize", () => Tokenize(text));
        return Start(frames, text, tokens, times, cancel);
    }

    /// <summary>As <see cref="SegmentStream(IEnumerable{RgbFrame}, string, CancellationToken)"/> with ids tokenized elsewhere (&lt;s&gt; … &lt;/s&gt;, no padding).</summary>
    public SegmentationStream SegmentStream(IEnumerable<RgbFrame> frames, TokenizedText tokens, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        int vocab = _model.Config.Roberta.VocabSize;
        if (tokens.Length < 2 || tokens.Length > MaxTokens)
            throw new ArgumentException($"{tokens.Length} tokens; model '{Model}' takes 2 to {MaxTokens} (<s> and </s> included)", nameof(tokens));
        foreach (var id in tokens.InputIds)
            if (id < 0 || id >= vocab) throw new ArgumentException($"token id {id} is outside the model's vocabulary of {vocab}", nameof(tokens));
        return Start(frames, null, tokens, new StageTimes(), cancel);
    }

    private SegmentationStream Start(IEnumerable<RgbFrame> frames, string? text, TokenizedText tokens, StageTimes times, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new SegmentationStream(text, tokens, times, stream => Run(stream, frames, cancel));
    }

    private IEnumerable<SegmentedFrame> Run(SegmentationStream stream, IEnumerable<RgbFrame> frames, CancellationToken cancel)
    {
        _gate.Wait(cancel);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int clipLength = Options.ClipLength == 0 ? int.MaxValue : Options.ClipLength;
            var clip = new List<RgbFrame>();
            RgbFrame? first = null;
            int index = 0;
            using var source = frames.GetEnumerator();
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                bool more = stream.Times.Measure("decode", source.MoveNext);
                if (more)
                {
                    var frame = source.Current;
                    first ??= frame;
                    if (frame.Width != first.Width || frame.Height != first.Height)
                        throw new MediaException($"frame '{frame.Name}' is {frame.Width}x{frame.Height}, but the video's first frame '{first.Name}' is {first.Width}x{first.Height}; all frames of a video must have one size");
                    clip.Add(frame);
                }
                if (clip.Count == clipLength || (!more && clip.Count > 0))
                {
                    foreach (var r in RunClip(stream, clip, index, cancel)) yield return r;
                    index += clip.Count;
                    clip.Clear();
                }
                if (!more) break;
            }
            if (first is null) throw new MediaException("the input has no frames");
        }
        finally
        {
            _gate.Release();
        }
    }

    private SegmentedFrame[] RunClip(SegmentationStream stream, List<RgbFrame> frames, int firstIndex, CancellationToken cancel)
    {
        var outputs = RunForward(frames, stream.Tokens, raw: false, null, stream.Times, cancel);
        stream.Clips++;
        try
        {
            return stream.Times.Measure("postprocess", () => Results(outputs[SocModel.ReferredQuery],
                outputs[SocModel.ReferredMasks], frames, firstIndex, stream.Clips - 1));
        }
        finally
        {
            foreach (var o in outputs.Values) o.Dispose();
        }
    }

    /// <summary>
    /// One forward of <paramref name="frames"/> (one clip, all of one size) without post-processing: the backend's
    /// decision of the referred query and the heads' class and mask logits, for evaluation protocols that
    /// post-process their own way (see <see cref="MRVS.Models.PostProcessing"/>). <paramref name="validFrame"/> keeps
    /// one frame after the backbone, as the A2D-Sentences / JHMDB-Sentences evaluation does. The caller disposes the
    /// result.
    /// </summary>
    public ClipOutputs Forward(IReadOnlyList<RgbFrame> frames, TokenizedText tokens, int? validFrame = null,
        StageTimes? times = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new MediaException("the clip has no frames");
        foreach (var f in frames)
            if (f.Width != frames[0].Width || f.Height != frames[0].Height)
                throw new MediaException($"frame '{f.Name}' is {f.Width}x{f.Height}, but the clip's first frame " +
                                         $"'{frames[0].Name}' is {frames[0].Width}x{frames[0].Height}");
        times ??= new StageTimes();
        _gate.Wait(cancel);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var size = _preprocessor.Rule.OutputSize(frames[0].Width, frames[0].Height);
            var outputs = RunForward(frames, tokens, raw: true, validFrame, times, cancel);
            return new ClipOutputs(outputs[SocModel.ReferredQuery], outputs[SocModel.PredCls],
                outputs[SocModel.PredMasks], size, (frames[0].Height, frames[0].Width));
        }
        finally
        {
            _gate.Release();
        }
    }

    private IReadOnlyDictionary<string, Tensor> RunForward(IReadOnlyList<RgbFrame> frames, TokenizedText tokens,
        bool raw, int? validFrame, StageTimes times, CancellationToken cancel)
    {
        using var clip = times.Measure("preprocess", () => _preprocessor.Preprocess(frames));
        int t = clip.FrameCount, h = clip.Height, w = clip.Width;
        var ids = Array.ConvertAll(tokens.InputIds, id => (long)id);
        var shape = new ForwardShape(t, h, w, ids.Length, h, w);
        var key = new ExecutorKey(shape, raw ? null : (clip.OriginalHeight, clip.OriginalWidth), validFrame);
        var executor = times.Measure("build", () => ExecutorFor(key));

        // The model takes [T, B = 1, 3, H, W]: the same bytes as the clip.
        using var pixels = Tensor.View(DType.F32, [t, 1, 3, h, w], clip.Frames.Data, clip.Frames);
        using var padding = Tensor.Zeros(DType.Bool, t, 1, h, w);
        using var inputIds = Tensor.FromSpan<long>(ids, 1, ids.Length);
        using var attention = Tensor.FromSpan<long>(Enumerable.Repeat(1L, ids.Length).ToArray(), 1, ids.Length);
        return times.Measure("forward", () => executor.Run(new Dictionary<string, Tensor>
        {
            [SocModel.Frames] = pixels,
            [SocModel.PixelMask] = padding,
            [SocModel.InputIds] = inputIds,
            [SocModel.AttentionMask] = attention,
        }, cancel: cancel).Outputs);
    }

    /// <summary>
    /// Per frame: its mask and its score, both from the backend's one decision of the referred query (the masks are
    /// that query's, and each score is that query's sigmoid of its class logit in the frame, max over classes).
    /// </summary>
    private static SegmentedFrame[] Results(Tensor decision, Tensor masks, List<RgbFrame> frames, int firstIndex, int clipIndex)
    {
        var scores = ReferredQueryOp.FrameScores(decision.Span<float>(), frames.Count);
        int pixels = masks.Shape[2] * masks.Shape[3];
        var results = new SegmentedFrame[frames.Count];
        for (int i = 0; i < frames.Count; i++)
            results[i] = SegmentedFrame.Create(firstIndex + i, frames[i], masks.Span<byte>().Slice(i * pixels, pixels).ToArray(), scores[i], clipIndex);
        return results;
    }

    private Executor ExecutorFor(ExecutorKey key)
    {
        for (var node = _executors.First; node != null; node = node.Next)
            if (node.Value.Key == key)
            {
                _executors.Remove(node);
                _executors.AddFirst(node);
                return node.Value.Executor;
            }
        if (_executors.Count == CachedShapes)
        {
            _executors.Last!.Value.Executor.Dispose();
            _executors.RemoveLast();
        }
        var graph = SocModel.Build(_model.Config, _model.NewWeightStore(), key.Shape, key.Original, key.ValidFrame);
        string[] outputs = key.Original is null
            ? [SocModel.ReferredQuery, SocModel.PredCls, SocModel.PredMasks]
            : [SocModel.ReferredQuery, SocModel.ReferredMasks];
        var executor = new Executor(graph, _backend, outputs);
        _executors.AddFirst((key, executor));
        return executor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _gate.Wait();
        try
        {
            _disposed = true;
            foreach (var (_, e) in _executors) e.Dispose();
            _executors.Clear();
            _backend.Dispose();
            _model.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }
}
