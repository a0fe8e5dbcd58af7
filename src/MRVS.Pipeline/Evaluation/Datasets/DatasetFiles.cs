using System.Globalization;
using System.Text.Json;
using MRVS.Core.Errors;
using MRVS.Core.IO;
using MRVS.Core.Limits;
using MRVS.Pipeline.Evaluation.Coco;

namespace MRVS.Pipeline.Evaluation.Datasets;

/// <summary>
/// Reading a dataset's files with one-line messages that name the file, the entry and what was expected: every JSON
/// value is checked for its kind before it is used, and every name that becomes a path (a video, an expression, a
/// frame) must be one plain file name, so no dataset file can point the run outside its folders.
/// </summary>
internal static class DatasetFiles
{
    public static string Require(string path, string what)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new MrvsException(MrvsErrorKind.BadInput, $"{what} not found: '{path}'");
        return path;
    }

    public static JsonDocument Json(string path, string what)
    {
        Require(path, what);
        InputFile.RequireRegular(path, what);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            throw Bad(path, $"cannot read it ({ErrorText.OneLine(e.Message)})");
        }
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e) { throw Bad(path, $"not valid JSON ({ErrorText.Json(e)})"); }
    }

    public static MrvsException Bad(string file, string what) => new(MrvsErrorKind.BadInput, $"{file}: {what}");

    public static JsonElement Property(JsonElement e, string name, string file) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v
            : throw Bad(file, $"expected a '{name}' entry");

    /// <summary>The string value of <paramref name="e"/>; <paramref name="what"/> names the entry in
    /// messages.</summary>
    public static string String(JsonElement e, string file, string what) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Expected(e, file, what, "a string");

    public static int Int(JsonElement e, string file, string what) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v
            : throw Expected(e, file, what, "a whole number");

    public static double Number(JsonElement e, string file, string what) =>
        e.ValueKind == JsonValueKind.Number && double.IsFinite(e.GetDouble()) ? e.GetDouble()
            : throw Expected(e, file, what, "a number");

    public static IEnumerable<JsonElement> Array(JsonElement e, string file, string what) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray() : throw Expected(e, file, what, "an array");

    public static JsonElement.ObjectEnumerator Object(JsonElement e, string file, string what) =>
        e.ValueKind == JsonValueKind.Object ? e.EnumerateObject() : throw Expected(e, file, what, "an object");

    /// <summary>Item <paramref name="index"/> of an array that must have it.</summary>
    public static JsonElement Item(JsonElement e, int index, string file, string what) =>
        e.ValueKind == JsonValueKind.Array && index < e.GetArrayLength() ? e[index]
            : throw Expected(e, file, what, $"an array of at least {index + 1} items");

    /// <summary>
    /// A mask's height and width from a <c>[h, w]</c> entry: positive, within <see
    /// cref="ResourceLimits.MaxFramePixels"/>.
    /// </summary>
    public static (int H, int W) Size(JsonElement e, string file, string what)
    {
        Item(e, 1, file, what);
        int h = Int(e[0], file, what), w = Int(e[1], file, what);
        if (h <= 0 || w <= 0) throw Bad(file, $"{what} is [{h}, {w}], expected two positive sizes");
        ResourceLimits.Default.CheckFrame(w, h, $"{file}: {what}");
        return (h, w);
    }

    /// <summary>A COCO mask from its <c>segmentation</c> entry (<c>{"size": [h, w], "counts": "…"}</c>).</summary>
    public static MaskRle Rle(JsonElement segmentation, string file, string what)
    {
        var (h, w) = Size(Property(segmentation, "size", file), file, what + " size");
        var counts = String(Property(segmentation, "counts", file), file, what + " counts");
        try { return MaskRle.FromCompressed(counts, h, w); }
        catch (InvalidDataException e) { throw Bad(file, $"{what}: {e.Message}"); }
    }

    /// <summary>
    /// A name from a dataset file that becomes a file or folder name: non-empty, not '.' or '..', without path
    /// separators or control characters.
    /// </summary>
    public static string Name(string name, string file, string what) =>
        name.Length > 0 && name.Length <= 255 && name is not ("." or "..") && name.IndexOfAny(['/', '\\']) < 0
            && !name.Any(char.IsControl)
            ? name
            : throw Bad(file, $"{what} '{ErrorText.OneLine(name)}' is not a plain file name");

    private static MrvsException Expected(JsonElement e, string file, string what, string expected) =>
        Bad(file, $"{what} is {Describe(e)}, expected {expected}");

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Undefined => "missing",
        JsonValueKind.Array => string.Create(CultureInfo.InvariantCulture, $"an array of {e.GetArrayLength()}"),
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {Shorten(e.GetRawText())}",
        _ => e.GetRawText(),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>
    /// Rows of a CSV file with a header (a simple comma split; quoted fields with commas are joined back).
    /// </summary>
    public static List<string[]> Csv(string path, bool header)
    {
        Require(path, "CSV file");
        InputFile.RequireRegular(path, "CSV file");
        string[] all;
        try { all = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            throw Bad(path, $"cannot read it ({ErrorText.OneLine(e.Message)})");
        }
        var lines = all.Where(l => l.Length > 0).ToList();
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
