using System.Runtime.CompilerServices;
using MRVS.Core.Errors;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Limits;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;
using MRVS.Pipeline.Text;

namespace MRVS.Pipeline.Segmentation;

/// <summary>
/// Referring video segmentation for applications: load a model folder once, then segment videos by sentence.
/// <code>
/// using var seg = Segmenter.Load("models/socpp-ytvos-swin-b", new SegmenterOptions { Backend = Backend.Cuda });
/// SegmentationResult r = await seg.SegmentAsync(frames, "the man in a red shirt", cancellationToken);
/// </code>
/// Each clip of <see cref="SegmenterOptions.ClipLength"/> frames goes through the official eval preprocessing, one
/// forward and the Ref-YouTube-VOS post-processing on the backend (the best query for the clip, its mask resized to
/// the frame). Every failure is an <see cref="MrvsException"/>; cancellation is an <see
/// cref="OperationCanceledException"/>. Thread safety: one instance may be shared by threads and its streams consumed
/// in any order; the forwards themselves run one at a time (they share one device arena per input shape), each call
/// queueing per clip. Load one Segmenter per GPU for parallel work. Dispose releases the device memory, the weights and
/// the backend; a call still running then fails with <see cref="ObjectDisposedException"/> at its next clip.
/// </summary>
public sealed class Segmenter : IDisposable
{
    /// <summary>Executors kept per input shape: a video's full clips and its shorter last clip.</summary>
    private const int CachedShapes = 2;

    private readonly ModelFolder _model;
    private readonly IBackend _backend;
    private readonly long _arenaLimit;
    private readonly EvalPreprocessor _preprocessor;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly LinkedList<(ExecutorKey Key, Executor Executor)> _executors = new();
    private bool _disposed;

    /// <summary>
    /// What an executor is built for: the input shape, and either the final masks at the original size or the raw
    /// heads (<see cref="ExecutorKey.Original"/> null), with the frame kept after the backbone if any.
    /// </summary>
    private sealed record ExecutorKey(ForwardShape Shape, (int H, int W)? Original, int? ValidFrame);

    private Segmenter(ModelFolder model, IBackend backend, Backend resolved, SegmenterOptions options)
    {
        _model = model;
        _backend = backend;
        _arenaLimit = options.Limits.ArenaLimit(resolved.RunsOnHost());
        Options = options;
        _preprocessor = new EvalPreprocessor(options.Resize);
    }

    /// <summary>The options this segmenter was loaded with.</summary>
    public SegmenterOptions Options { get; }

    /// <summary>The model's variant name (from its config.json).</summary>
    public string Model => _model.Config.Variant;

    /// <summary>The backend the model runs on, as named in results (cpu, cuda, cuda-emu).</summary>
    public string Backend => _backend.Name;

    /// <summary>The longest sentence the model takes, in tokens, &lt;s&gt; and &lt;/s&gt; included.</summary>
    public int MaxTokens => _model.MaxTokens;

    /// <summary>Opens a model folder (config.json, model.safetensors, vocab.json, merges.txt), checks it, and creates
    /// the backend.</summary>
    public static Segmenter Load(string modelDirectory, SegmenterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        options ??= new SegmenterOptions();
        if (options.ClipLength < 0)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"clip length {options.ClipLength} must be positive, or 0 for the whole video in one forward");
        if (options.Threads is < 1)
            throw new MrvsException(MrvsErrorKind.BadInput, $"thread count {options.Threads} must be at least 1");
        var model = ModelFolder.Open(modelDirectory, options.Limits);
        try
        {
            var (backend, resolved) = BackendFactory.CreateResolved(options.Backend, options.Precision,
                options.Threads);
            return new Segmenter(model, backend, resolved, options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>As <see cref="Load"/>, off the caller's thread (reading and checking a model takes a moment).</summary>
    public static Task<Segmenter> LoadAsync(string modelDirectory, SegmenterOptions? options = null,
        CancellationToken cancel = default) =>
        Task.Run(() => Load(modelDirectory, options), cancel);

    /// <summary>
    /// The ids the model sees for <paramref name="text"/>; refuses an empty sentence or one longer than <see
    /// cref="MaxTokens"/>.
    /// </summary>
    public TokenizedText Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
            throw new MrvsException(MrvsErrorKind.BadInput,
                "the sentence is empty; describe the object to segment, e.g. \"the dog jumping over the fence\"");
        // BPE cost grows with the square of a word's length: a text that cannot fit is refused before it is encoded.
        long bytes = System.Text.Encoding.UTF8.GetByteCount(text);
        if (bytes > (long)MaxTokens * _model.Tokenizer.LongestToken)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"the sentence is {bytes} bytes long, more than model '{Model}' can take in {MaxTokens} tokens; " +
                    "shorten it");
        var tokens = _model.Tokenizer.Encode(text);
        if (tokens.Length > MaxTokens)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"the sentence is {tokens.Length} tokens long (<s> and </s> included), but model '{Model}' takes at " +
                    $"most {MaxTokens}; shorten it");
        return tokens;
    }

    /// <summary>Segments every frame and returns all results (frames included); see <see
    /// cref="SegmentStream(IEnumerable{RgbFrame}, string, CancellationToken)"/> to process long videos in bounded
    /// memory.</summary>
    public SegmentationResult Segment(IEnumerable<RgbFrame> frames, string text, CancellationToken cancel = default)
    {
        var stream = SegmentStream(frames, text, cancel);
        return Result(stream, stream.ToList());
    }

    /// <summary>Segments every frame off the caller's thread and returns all results.</summary>
    public Task<SegmentationResult> SegmentAsync(IEnumerable<RgbFrame> frames, string text,
        CancellationToken cancel = default) =>
        CollectAsync(SegmentStreamAsync(frames, text, cancel), cancel);

    /// <summary>
    /// Segments frames that arrive asynchronously (a camera, a network stream) and returns all results.
    /// </summary>
    public Task<SegmentationResult> SegmentAsync(IAsyncEnumerable<RgbFrame> frames, string text,
        CancellationToken cancel = default) =>
        CollectAsync(SegmentStreamAsync(frames, text, cancel), cancel);

    /// <summary>
    /// Segments lazily: frames are pulled from <paramref name="frames"/> one clip at a time and each clip's results
    /// are yielded before the next clip is read. The sentence is checked now; frames when enumerated.
    /// </summary>
    public SegmentationStream SegmentStream(IEnumerable<RgbFrame> frames, string text,
        CancellationToken cancel = default) =>
        SegmentStreamAsync(frames, text, cancel);

    /// <summary>As <see cref="SegmentStream(IEnumerable{RgbFrame}, string, CancellationToken)"/> with ids tokenized
    /// elsewhere (&lt;s&gt; … &lt;/s&gt;, no padding).</summary>
    public SegmentationStream SegmentStream(IEnumerable<RgbFrame> frames, TokenizedText tokens,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(frames);
        int vocab = _model.Config.Roberta.VocabSize;
        if (tokens.Length < 2 || tokens.Length > MaxTokens)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"{tokens.Length} tokens; model '{Model}' takes 2 to {MaxTokens} (<s> and </s> included)");
        foreach (var id in tokens.InputIds)
            if (id < 0 || id >= vocab) throw new MrvsException(MrvsErrorKind.BadInput,
                $"token id {id} is outside the model's vocabulary of {vocab}");
        return Start(FromSync(frames), null, tokens, new StageTimes(), cancel);
    }

    /// <summary>
    /// Segments lazily for <c>await foreach</c>: decoding, preprocessing and forwards run on the thread pool, and the
    /// segmenter is held only while a clip's forward runs. The sentence is checked now; frames when enumerated.
    /// </summary>
    public SegmentationStream SegmentStreamAsync(IEnumerable<RgbFrame> frames, string text,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        return SegmentStreamAsync(FromSync(frames), text, cancel);
    }

    /// <summary>
    /// As <see cref="SegmentStreamAsync(IEnumerable{RgbFrame}, string, CancellationToken)"/> for frames that arrive
    /// asynchronously.
    /// </summary>
    public SegmentationStream SegmentStreamAsync(IAsyncEnumerable<RgbFrame> frames, string text,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var times = new StageTimes();
        var tokens = times.Measure("tokenize", () => Tokenize(text));
        return Start(frames, text, tokens, times, cancel);
    }

    private SegmentationStream Start(IAsyncEnumerable<RgbFrame> frames, string? text, TokenizedText tokens,
        StageTimes times, CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new SegmentationStream(text, tokens, times,
            (stream, enumeration) => Run(stream, frames, cancel, enumeration));
    }

    private async Task<SegmentationResult> CollectAsync(SegmentationStream stream, CancellationToken cancel)
    {
        var frames = new List<SegmentedFrame>();
        await foreach (var f in stream.WithCancellation(cancel).ConfigureAwait(false)) frames.Add(f);
        return Result(stream, frames);
    }

    private SegmentationResult Result(SegmentationStream stream, List<SegmentedFrame> frames) =>
        new(Model, Backend, Options.Precision, stream.Text, stream.Tokens, frames, stream.Times);

    /// <summary>A synchronous source pulled on the thread pool, so an async caller's thread never decodes.</summary>
    private static async IAsyncEnumerable<RgbFrame> FromSync(IEnumerable<RgbFrame> frames,
        [EnumeratorCancellation] CancellationToken cancel = default)
    {
        using var source = frames.GetEnumerator();
        while (await Task.Run(source.MoveNext, cancel).ConfigureAwait(false)) yield return source.Current;
    }

    private async IAsyncEnumerable<SegmentedFrame> Run(SegmentationStream stream, IAsyncEnumerable<RgbFrame> frames,
        CancellationToken callCancel, [EnumeratorCancellation] CancellationToken enumerationCancel = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callCancel, enumerationCancel);
        var cancel = linked.Token;
        int clipLength = Options.ClipLength == 0 ? int.MaxValue : Options.ClipLength;
        var clip = new List<RgbFrame>();
        RgbFrame? first = null;
        int index = 0;
        await using var source = frames.GetAsyncEnumerator(cancel);
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            bool more = await stream.Times.MeasureAsync("decode", source.MoveNextAsync).ConfigureAwait(false);
            if (more)
            {
                var frame = source.Current;
                first ??= frame;
                if (frame.Width != first.Width || frame.Height != first.Height)
                    throw new MediaException($"frame '{frame.Name}' is {frame.Width}x{frame.Height}, but the video's " +
                        $"first frame '{first.Name}' is {first.Width}x{first.Height}; all frames of a video must " +
                        "have one size");
                CheckClipMemory(Options.Limits, clip.Count + 1, frame);
                clip.Add(frame);
            }
            if (clip.Count == clipLength || (!more && clip.Count > 0))
            {
                foreach (var r in await RunClipAsync(stream, clip, index, cancel).ConfigureAwait(false)) yield return r;
                index += clip.Count;
                clip = [];
            }
            if (!more) break;
        }
        if (first is null) throw new MediaException("the input has no frames");
    }

    /// <summary>
    /// The decoded frames a clip holds at their own size stay within <see cref="ResourceLimits.MaxClipBytes"/>.
    /// </summary>
    internal static void CheckClipMemory(ResourceLimits limits, int frames, RgbFrame frame)
    {
        long bytes = (long)frames * frame.Rgb.Length, limit = limits.MaxClipBytes;
        if (bytes > limit)
            throw ResourceLimits.Exceeded($"a clip of {frames} frames of {frame.Width}x{frame.Height} holds " +
                $"{ErrorText.Bytes(bytes)} of decoded frames " +
                "(use a shorter clip length, --clip)", nameof(ResourceLimits.MaxClipBytes), ErrorText.Bytes(limit));
    }

    /// <summary>Preprocesses off the lock, then waits its turn for the forward and post-processing.</summary>
    private async Task<SegmentedFrame[]> RunClipAsync(SegmentationStream stream, List<RgbFrame> frames, int firstIndex,
        CancellationToken cancel)
    {
        var times = stream.Times;
        using var clip = await Task.Run(() => times.Measure("preprocess", () => _preprocessor.Preprocess(frames)),
            cancel).ConfigureAwait(false);
        await _gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await Task.Run(() => Forward(stream, clip, frames, firstIndex, cancel),
                cancel).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private SegmentedFrame[] Forward(SegmentationStream stream, PreprocessedClip clip, List<RgbFrame> frames,
        int firstIndex, CancellationToken cancel)
    {
        var outputs = RunForward(clip, frames, stream.Tokens, raw: false, null, stream.Times, cancel);
        stream.Clips++;
        try
        {
            RequireFiniteScores(outputs[SocModel.PredCls], frames, $"clip {stream.Clips - 1}");
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
    /// one frame after the backbone, as the A2D-Sentences / JHMDB-Sentences evaluation does. The class logits must be
    /// finite, as in <see cref="SegmentStream(IEnumerable{RgbFrame}, string, CancellationToken)"/>. The caller
    /// disposes the result.
    /// </summary>
    /// <param name="frames">The clip's frames, all of one size.</param>
    /// <param name="tokens">The sentence's ids (<see cref="Tokenize"/>).</param>
    /// <param name="validFrame">The frame to keep after the backbone, or null for every frame.</param>
    /// <param name="times">Where the stages' times are added (a new record when null).</param>
    /// <param name="cancel">Stops the forward at its next node.</param>
    public ClipOutputs Forward(IReadOnlyList<RgbFrame> frames, TokenizedText tokens, int? validFrame = null,
        StageTimes? times = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(tokens);
        if (frames.Count == 0) throw new MediaException("the clip has no frames");
        foreach (var f in frames)
            if (f.Width != frames[0].Width || f.Height != frames[0].Height)
                throw new MediaException($"frame '{f.Name}' is {f.Width}x{f.Height}, but the clip's first frame " +
                                         $"'{frames[0].Name}' is {frames[0].Width}x{frames[0].Height}");
        times ??= new StageTimes();
        using var clip = times.Measure("preprocess", () => _preprocessor.Preprocess(frames));
        _gate.Wait(cancel);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var outputs = RunForward(clip, frames, tokens, raw: true, validFrame, times, cancel);
            var result = new ClipOutputs(outputs[SocModel.ReferredQuery], outputs[SocModel.PredCls],
                outputs[SocModel.PredMasks], (clip.Height, clip.Width), (frames[0].Height, frames[0].Width));
            try { RequireFiniteScores(result.PredCls, frames, "the clip"); }
            catch
            {
                result.Dispose();
                throw;
            }
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One forward of a preprocessed clip; the caller holds the gate and disposes the outputs.</summary>
    private IReadOnlyDictionary<string, Tensor> RunForward(PreprocessedClip clip, IReadOnlyList<RgbFrame> frames,
        TokenizedText tokens, bool raw, int? validFrame, StageTimes times, CancellationToken cancel)
    {
        int t = clip.FrameCount, h = clip.Height, w = clip.Width;
        var ids = Array.ConvertAll(tokens.InputIds, id => (long)id);
        var shape = new ForwardShape(t, h, w, ids.Length, h, w);
        var key = new ExecutorKey(shape, raw ? null : (clip.OriginalHeight, clip.OriginalWidth), validFrame);
        Executor executor;
        try { executor = times.Measure("build", () => ExecutorFor(key)); }
        catch (ShapeException e)
        {
            // The model is checked at load, so a shape it refuses now is the frames'.
            throw new MediaException($"frames '{frames[0].Name}' to '{frames[^1].Name}' " +
                $"({clip.OriginalWidth}x{clip.OriginalHeight}, {w}x{h} after the " +
                $"eval resize) cannot go through the model: {e.Message}", e);
        }

        // The model takes [T, B = 1, 3, H, W]: the same bytes as the clip.
        using var pixels = Tensor.View(DType.F32, [t, 1, 3, h, w], clip.Frames.Data, clip.Frames);
        using var inputIds = Tensor.FromSpan<long>(ids, 1, ids.Length);
        return times.Measure("forward", () => executor.Run(new Dictionary<string, Tensor>
        {
            [SocModel.Frames] = pixels,
            [SocModel.InputIds] = inputIds,
        }, cancel: cancel).Outputs);
    }

    /// <summary>
    /// The class logits of every query must be finite: NaN or Inf there means weights that overflow (nothing is
    /// written).
    /// </summary>
    private void RequireFiniteScores(Tensor predCls, IReadOnlyList<RgbFrame> frames, string where)
    {
        foreach (var v in predCls.Span<float>())
            if (!float.IsFinite(v))
                throw new MrvsException(MrvsErrorKind.BadModel,
                    $"model '{Model}' produced NaN/Inf scores (check the weights) in {where} " +
                    $"(frames '{frames[0].Name}' to '{frames[^1].Name}')");
    }

    /// <summary>
    /// Per frame: its mask and its score, both from the backend's one decision of the referred query (the masks are
    /// that query's, and each score is that query's sigmoid of its class logit in the frame, max over classes).
    /// </summary>
    private static SegmentedFrame[] Results(Tensor decision, Tensor masks, List<RgbFrame> frames, int firstIndex,
        int clipIndex)
    {
        var scores = ReferredQueryOp.FrameScores(decision.Span<float>(), frames.Count);
        int pixels = masks.Shape[2] * masks.Shape[3];
        var results = new SegmentedFrame[frames.Count];
        for (int i = 0; i < frames.Count; i++)
            results[i] = SegmentedFrame.Create(firstIndex + i, frames[i],
                masks.Span<byte>().Slice(i * pixels, pixels).ToArray(), scores[i], clipIndex);
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
            : [SocModel.ReferredQuery, SocModel.PredCls, SocModel.ReferredMasks];
        Executor executor;
        try { executor = new Executor(graph, _backend, outputs, _arenaLimit); }
        catch (MrvsException e) when (e.Kind == MrvsErrorKind.ResourceLimit)
        {
            var shape = key.Shape;
            throw new MrvsException(e.Kind,
                $"a clip of {shape.Frames} frames at {shape.Height}x{shape.Width}: {e.Message}; use a shorter clip " +
                    "length (--clip)", e);
        }
        _executors.AddFirst((key, executor));
        return executor;
    }

    /// <summary>Releases device memory, weights and backend, once the forward under way (if any) is done.</summary>
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
