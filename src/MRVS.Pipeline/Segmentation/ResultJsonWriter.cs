using System.Text.Encodings.Web;
using System.Text.Json;
using MRVS.Core.Execution;

namespace MRVS.Pipeline.Segmentation;

/// <summary>Writes result.json: model, text and tokens, backend and precision, per-frame score, mask area and box, time
/// per stage, peak memory.</summary>
public static class ResultJsonWriter
{
    /// <summary>Creates the file <paramref name="path"/> with the summary as JSON.</summary>
    public static void Write(string path, SegmentationJobSummary s)
    {
        using var file = File.Create(path);
        Write(file, s);
    }

    /// <summary>The same JSON into a stream (the CLI's <c>--json</c> writes it to stdout).</summary>
    public static void Write(Stream output, SegmentationJobSummary s)
    {
        using var j = new Utf8JsonWriter(output,
            new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        j.WriteStartObject();
        j.WriteString("model", s.Model);
        j.WriteString("text", s.Text);
        j.WriteStartArray("tokens");
        foreach (var t in s.Tokens.Tokens) j.WriteStringValue(t);
        j.WriteEndArray();
        j.WriteStartArray("token_ids");
        foreach (var id in s.Tokens.InputIds) j.WriteNumberValue(id);
        j.WriteEndArray();
        j.WriteString("backend", s.Backend);
        j.WriteString("precision", s.Precision.Name());
        j.WriteString("input", s.Input);
        j.WriteNumber("fps", s.FramesPerSecond);
        j.WriteNumber("clip_length", s.ClipLength);
        j.WriteNumber("clips", s.Clips);
        j.WriteStartObject("outputs");
        j.WriteString("masks", SegmentationJob.MasksFolder + "/");
        j.WriteString("overlay_gif", SegmentationJob.OverlayGif);
        if (s.WroteVideo) j.WriteString("overlay_mp4", SegmentationJob.OverlayMp4);
        else j.WriteNull("overlay_mp4");
        j.WriteEndObject();
        j.WriteStartArray("frames");
        foreach (var f in s.Frames)
        {
            j.WriteStartObject();
            j.WriteNumber("index", f.Index);
            j.WriteString("name", f.Name);
            j.WriteString("mask", f.MaskFile);
            j.WriteNumber("score", Math.Round(f.Score, 6));
            j.WriteNumber("area", f.Area);
            if (f.Box is { } b)
            {
                j.WriteStartObject("box");
                j.WriteNumber("x", b.X);
                j.WriteNumber("y", b.Y);
                j.WriteNumber("width", b.Width);
                j.WriteNumber("height", b.Height);
                j.WriteEndObject();
            }
            else j.WriteNull("box");
            j.WriteNumber("clip", f.Clip);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartObject("time_ms");
        foreach (var (stage, ms) in s.Times.Stages) j.WriteNumber(stage, Math.Round(ms, 3));
        j.WriteNumber("total", Math.Round(s.TotalMilliseconds, 3));
        j.WriteEndObject();
        j.WriteNumber("peak_working_set_bytes", s.PeakWorkingSetBytes);
        j.WriteEndObject();
    }
}
