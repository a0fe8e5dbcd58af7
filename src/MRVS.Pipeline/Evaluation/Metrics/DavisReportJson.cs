using System.Text.Encodings.Web;
using System.Text.Json;

namespace MRVS.Pipeline.Evaluation.Metrics;

/// <summary>
/// <c>{"sequences": {name: {"J": {"mean", "recall", "decay"}, "F": {…}}}, "J&amp;F-Mean", "J-Mean", "F-Mean",
/// …}</c>, full double precision (round-trip), for <c>mrvs score --json</c> and the evaluation's result.json.
/// </summary>
public static class DavisReportJson
{
    /// <summary>The report as one JSON object.</summary>
    public static void Write(Utf8JsonWriter j, DavisReport r)
    {
        j.WriteStartObject();
        j.WriteStartObject("sequences");
        foreach (var s in r.Sequences)
        {
            j.WriteStartObject(s.Name);
            Stats(j, "J", s.J);
            Stats(j, "F", s.F);
            j.WriteEndObject();
        }
        j.WriteEndObject();
        j.WriteNumber("J&F-Mean", r.JFMean);
        j.WriteNumber("J-Mean", r.JMean);
        j.WriteNumber("J-Recall", r.JRecall);
        j.WriteNumber("J-Decay", r.JDecay);
        j.WriteNumber("F-Mean", r.FMean);
        j.WriteNumber("F-Recall", r.FRecall);
        j.WriteNumber("F-Decay", r.FDecay);
        j.WriteEndObject();
    }

    /// <summary>The report written to a file, whole or not at all.</summary>
    public static void Write(string path, DavisReport r)
    {
        try
        {
            OutputFolder.WriteFile(path, file =>
            {
                using var j = new Utf8JsonWriter(file, Options);
                Write(j, r);
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputFolder.Io(e, $"cannot write '{path}'");
        }
    }

    /// <summary>Indented, with characters such as &amp; written as they are.</summary>
    public static JsonWriterOptions Options { get; } =
        new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void Stats(Utf8JsonWriter j, string name, DavisStatistics s)
    {
        j.WriteStartObject(name);
        Number(j, "mean", s.Mean);
        Number(j, "recall", s.Recall);
        Number(j, "decay", s.Decay);
        j.WriteEndObject();
    }

    /// <summary>JSON has no NaN: a statistic over no frames (an empty decay bin) is written as null.</summary>
    private static void Number(Utf8JsonWriter j, string name, double v)
    {
        if (double.IsFinite(v)) j.WriteNumber(name, v);
        else j.WriteNull(name);
    }
}
