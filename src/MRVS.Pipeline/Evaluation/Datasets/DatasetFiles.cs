using System.Text.Json;

namespace MRVS.Pipeline.Evaluation.Datasets;

/// <summary>Reading a dataset's files with messages that name the file and what was expected.</summary>
internal static class DatasetFiles
{
    public static string Require(string path, string what)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"{what} not found: '{path}'", path);
        return path;
    }

    public static JsonDocument Json(string path, string what)
    {
        Require(path, what);
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
    }

    public static JsonElement Property(JsonElement e, string name, string file) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v
            : throw new InvalidDataException($"{file}: expected a '{name}' entry");

    /// <summary>
    /// Rows of a CSV file with a header (a simple comma split; quoted fields with commas are joined back).
    /// </summary>
    public static List<string[]> Csv(string path, bool header)
    {
        var lines = File.ReadAllLines(Require(path, "CSV file")).Where(l => l.Length > 0).ToList();
        return lines.Skip(header ? 1 : 0).Select(SplitCsv).ToList();
    }

    private static string[] SplitCsv(string line)
    {
        var fields = new List<string>();
        var cur = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (var c in line)
        {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(c);
        }
        fields.Add(cur.ToString());
        return fields.ToArray();
    }

    /// <summary>
    /// The frames of a video folder: *.jpg (or *.png) sorted by name, as the official scripts list them.
    /// </summary>
    public static List<string> Frames(string folder, string extension) =>
        Directory.EnumerateFiles(Require(folder, "frames folder"), "*" + extension).Order(StringComparer.Ordinal)
            .ToList();
}
