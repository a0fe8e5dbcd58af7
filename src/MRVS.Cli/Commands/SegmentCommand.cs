using System.CommandLine;
using System.Globalization;
using MRVS.Core.Execution;
using MRVS.Pipeline.Segmentation;

namespace MRVS.Cli.Commands;

/// <summary><c>mrvs segment</c>: a video and a sentence in; masks, an overlay and result.json out.</summary>
public static class SegmentCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description =
            "model folder (mrvs convert writes one; samples/demo/model is a random-weight demo)",
            Required = true
        };
        var text = new Option<string>("--text")
        {
            Description =
            "the sentence that refers to the object, e.g. \"the dog jumping over the fence\"",
            Required = true
        };
        var input = new Option<string[]>("--input")
        {
            Description = "a video (needs ffmpeg), an animated GIF, a folder of frames, or image files in order",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out")
        {
            Description =
            "output folder to create: masks/, overlay.gif (+ overlay.mp4 with ffmpeg), result.json",
            Required = true
        };
        var backend = BackendOptions.Backend();
        var precision = BackendOptions.Precision();
        var threads = BackendOptions.Threads();
        var clip = CliValues.Int("--clip",
            "frames per forward; each clip picks its own referred object and bounds memory " +
            "(0: the whole video in one forward)",
            SegmenterOptions.DefaultClipLength, 0, 100_000);
        var overwrite = new Option<bool>("--overwrite")
        {
            Description =
            "replace an existing output folder once the new result is complete"
        };
        var quiet = CliValues.Quiet();
        var json = CliValues.Json();
        var cmd = new Command("segment", "Segment the object a sentence refers to in every frame of a video")
        {
            model, text, input, output, backend, precision, threads, clip, overwrite, quiet, json,
        };
        cmd.SetAction(r => CliErrors.Guard(() =>
        {
            var options = new SegmentationJobOptions(r.GetValue(model)!, r.GetValue(text)!, r.GetValue(input)!,
                r.GetValue(output)!)
            {
                Segmenter = new SegmenterOptions
                {
                    Backend = r.GetValue(backend),
                    Precision = r.GetValue(precision),
                    Threads = r.GetValue(threads),
                    ClipLength = r.GetValue(clip),
                },
                Overwrite = r.GetValue(overwrite),
            };
            return SignalCancellation.Run(cancel =>
            {
                SegmentationJobSummary summary;
                using (var progress = new ConsoleProgress(r.GetValue(quiet)))
                    summary = SegmentationJob.Run(options, progress, cancel);
                if (r.GetValue(json)) JsonOutput.Write(stream => ResultJsonWriter.Write(stream, summary));
                else if (!r.GetValue(quiet)) Print(summary);
                return 0;
            });
        }));
        return cmd;
    }

    private static void Print(SegmentationJobSummary s)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine($"model {s.Model}, backend {s.Backend}, precision {s.Precision.Name()}");
        Console.WriteLine($"text \"{s.Text}\" ({s.Tokens.Length} tokens)");
        Console.WriteLine(string.Format(c, "{0} frames in {1} clip(s) of up to {2}", s.Frames.Count, s.Clips,
            s.ClipLength == 0 ? "all" : s.ClipLength.ToString(c)));
        Console.WriteLine("time: " + string.Join(", ", s.Times.Stages.Select(x => string.Format(c, "{0} {1:F0} ms",
            x.Stage, x.Milliseconds)))
            + string.Format(c, "; total {0:F0} ms", s.TotalMilliseconds));
        Console.WriteLine(string.Format(c, "peak working set {0:F0} MiB", s.PeakWorkingSetBytes / 1048576.0));
        Console.WriteLine($"wrote {s.OutputDirectory}: {SegmentationJob.MasksFolder}/ ({s.Frames.Count} PNG), " +
            $"{SegmentationJob.OverlayGif}"
            + (s.WroteVideo ? $", {SegmentationJob.OverlayMp4}" : " (no overlay.mp4: ffmpeg is not on PATH)") +
                $", {SegmentationJob.ResultJson}");
    }
}
