// How an application embeds MRVS.Native: load a model folder once, hand it frames and a sentence, get a mask and a
// score per frame. Frames here come from a GIF or image decoded by the library's own FrameSource; raw RGB buffers from
// anywhere work the same through RgbFrame (and ImageSharp images through MRVS.Pipeline.ImageSharp).
//
//   dotnet run --project samples/EmbeddingSample -- samples/demo/model samples/demo/clip.gif "the red ball"
using MRVS.Core.Errors;
using MRVS.Pipeline;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Segmentation;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: EmbeddingSample <model-dir> <animated.gif | video | image | frames folder> " +
        "<sentence>");
    return 2;
}
var (modelDir, input, sentence) = (args[0], args[1], args[2]);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

try
{
    // Auto takes the GPU when there is one; ClipLength bounds memory for long videos.
    using var segmenter = await Segmenter.LoadAsync(modelDir,
        new SegmenterOptions { Backend = Backend.Auto, ClipLength = 16 }, cancel.Token);
    var frames = FrameSource.Open(input);

    // Results arrive clip by clip while later frames are still being decoded; nothing waits on this thread.
    var stream = segmenter.SegmentStreamAsync(frames.ReadFrames(), sentence, cancel.Token);
    await foreach (var f in stream)
        Console.WriteLine($"frame {f.Index}: score {f.Score:F3}, {f.Area} pixels" + (f.Box is { } b
            ? $" in ({b.X}, {b.Y}) {b.Width}x{b.Height}" : ""));

    Console.WriteLine($"{segmenter.Model} on {segmenter.Backend}: \"{stream.Text}\" → " +
        $"{stream.Tokens.Length} tokens, {stream.Clips} clip(s)");
    Console.WriteLine(string.Join(", ", stream.Times.Stages.Select(s => $"{s.Stage} {s.Milliseconds:F0} ms")));
    return 0;
}
catch (MrvsException e)
{
    // Every failure (a bad file, a bad model, a limit, the GPU): one line naming the culprit, and what kind it is.
    Console.Error.WriteLine($"{e.Kind}: {e.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
