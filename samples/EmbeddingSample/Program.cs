// How an application embeds MRVS.Native: load a model folder once, hand it frames (ImageSharp images here; raw RGB
// buffers work the same through RgbFrame) and a sentence, get a mask and a score per frame.
//
//   dotnet run --project samples/EmbeddingSample -- samples/demo/model samples/demo/clip.gif "the red ball"
using MRVS.Pipeline.Segmentation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: EmbeddingSample <model-dir> <animated.gif | image> <sentence>");
    return 2;
}
var (modelDir, imagePath, sentence) = (args[0], args[1], args[2]);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var frames = new List<Image<Rgb24>>();
try
{
    // Frames from ImageSharp: each frame of an animated GIF (or the single image) as its own Image<Rgb24>.
    using (var animation = Image.Load<Rgb24>(imagePath))
        frames.AddRange(Enumerable.Range(0, animation.Frames.Count).Select(animation.Frames.CloneFrame));

    // "auto" takes the GPU when there is one; ClipLength bounds memory for long videos.
    using var segmenter = Segmenter.Load(modelDir, new SegmenterOptions { Backend = "auto", ClipLength = 16 });
    SegmentationResult result = segmenter.Segment(frames, sentence, cancel.Token);

    Console.WriteLine($"{result.Model} on {result.Backend}: \"{result.Text}\" → {result.Tokens.Length} tokens");
    foreach (var f in result.Frames)
        Console.WriteLine($"frame {f.Index}: score {f.Score:F3}, {f.Area} pixels" + (f.Box is { } b ? $" in ({b.X}, {b.Y}) {b.Width}x{b.Height}" : ""));
    Console.WriteLine(string.Join(", ", result.Times.Stages.Select(s => $"{s.Stage} {s.Milliseconds:F0} ms")));
    return 0;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException
                          or ImageFormatException or MRVS.Pipeline.Media.MediaException)
{
    // Bad files and arguments come with messages that name the file and what was expected.
    Console.Error.WriteLine(e.Message);
    return 1;
}
finally
{
    foreach (var f in frames) f.Dispose();
}
