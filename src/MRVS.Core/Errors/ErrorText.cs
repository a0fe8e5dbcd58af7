using System.Globalization;
using System.Text;

namespace MRVS.Core.Errors;

/// <summary>
/// Keeps error messages to one readable line: no line breaks, control bytes shown escaped, lists summarised.
/// </summary>
public static class ErrorText
{
    /// <summary>A message longer than this is cut (lists should be summarised long before).</summary>
    public const int MaxLength = 2000;

    /// <summary>Items a summarised list shows before "…".</summary>
    public const int ListedItems = 5;

    /// <summary>
    /// Line breaks become "; ", other control characters (from file names, pickles, JSON) \xNN or \uNNNN, and a message
    /// over <see cref="MaxLength"/> characters is cut with a note of how much was left out.
    /// </summary>
    public static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var text = string.Join("; ", lines);
        var s = new StringBuilder(Math.Min(text.Length, MaxLength + 64));
        foreach (var c in text)
        {
            if (s.Length >= MaxLength)
            {
                s.Append(CultureInfo.InvariantCulture, $" … ({text.Length - MaxLength} more characters)");
                break;
            }
            if (!char.IsControl(c) && c is not ('\u2028' or '\u2029')) s.Append(c);
            else if (c <= '\xff') s.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            else s.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
        }
        return s.ToString();
    }

    /// <summary>
    /// "3 unexpected keys: a; b; c" or, past <paramref name="shown"/> items, "849 shape mismatches, first 5: a; b; c;
    /// d; e".
    /// </summary>
    /// <param name="noun">Singular and plural, e.g. ("shape mismatch", "shape mismatches").</param>
    public static string Summarize(IReadOnlyCollection<string> items, (string One, string Many) noun,
        int shown = ListedItems)
    {
        var c = CultureInfo.InvariantCulture;
        string what = items.Count == 1 ? noun.One : noun.Many;
        if (items.Count <= shown) return string.Format(c, "{0} {1}: {2}", items.Count, what, string.Join("; ", items));
        return string.Format(c, "{0} {1}, first {2}: {3}", items.Count, what, shown,
            string.Join("; ", items.Take(shown)));
    }

    /// <summary>A byte count as people read it: "512 bytes", "3.4 MiB", "1.9 GiB".</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1L << 10 => string.Format(CultureInfo.InvariantCulture, "{0} bytes", bytes),
        < 1L << 20 => string.Format(CultureInfo.InvariantCulture, "{0:F1} KiB", bytes / 1024.0),
        < 1L << 30 => string.Format(CultureInfo.InvariantCulture, "{0:F1} MiB", bytes / 1048576.0),
        _ => string.Format(CultureInfo.InvariantCulture, "{0:F1} GiB", bytes / 1073741824.0),
    };

    /// <summary>
    /// A JSON parse error as "line 3, column 17: '0xEF' is an invalid start of a property name" (the parser's own
    /// position suffix dropped).
    /// </summary>
    public static string Json(System.Text.Json.JsonException e)
    {
        var message = e.Message;
        int suffix = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (suffix >= 0) message = message[..suffix];
        message = message.TrimEnd('.', ' ');
        return e.LineNumber is { } line && e.BytePositionInLine is { } column
            ? string.Format(CultureInfo.InvariantCulture, "line {0}, column {1}: {2}", line + 1, column + 1, message)
            : message;
    }
}
