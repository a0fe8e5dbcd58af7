using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MRVS.Cli.Commands;

/// <summary>
/// Whole-number options parsed here rather than by System.CommandLine, so a bad value gets a message in the option's
/// terms ("--clip 'abc' is not a whole number from 0 to 100000") instead of one naming .NET types; --quiet and --json.
/// </summary>
public static class CliValues
{
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max) =>
        new(name)
        {
            Description = $"{description} ({min} to {max}, default {defaultValue})",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => Parse(r, name, min, max) ?? defaultValue,
        };

    public static Option<int?> OptionalInt(string name, string description, int min, int max) =>
        new(name) { Description = description, CustomParser = r => Parse(r, name, min, max) };

    public static Option<bool> Quiet()
        => new("--quiet", "-q") { Description = "no progress, no summary: only errors (on stderr)" };

    public static Option<bool> Json()
        => new("--json") { Description = "print the result as JSON on stdout instead of text" };

    private static int? Parse(ArgumentResult r, string name, int min, int max)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min
            && v <= max) return v;
        r.AddError($"{name} '{text}' is not a whole number from {min} to {max}");
        return null;
    }
}
