using System.Text;

namespace MRVS.Pipeline.Text;

/// <summary>
/// Splits text into the pieces of GPT-2's pre-tokenisation regex
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>.
/// Written as a scanner over code points rather than a .NET Regex because .NET matches UTF-16 units: an astral
/// letter or digit (surrogate pair) would fall into the "other" class, whereas the reference engines (Oniguruma in
/// Hugging Face tokenizers, Python regex, JavaScript /u) classify whole code points.
/// \s is <see cref="Rune.IsWhiteSpace"/> (Zs, Zl, Zp, U+0009..U+000D, U+0085), the set Oniguruma uses.
/// </summary>
internal static class Gpt2PreTokenizer
{
    private enum CharClass { Letter, Number, Space, Other }

    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        for (int i = 0; i < text.Length;)
        {
            int end = MatchAt(text, i);
            pieces.Add(text[i..end]);
            i = end;
        }
        return pieces;
    }

    /// <summary>End (exclusive) of the regex match starting at <paramref name="start"/>, trying the alternatives in
    /// order.</summary>
    private static int MatchAt(string text, int start)
    {
        foreach (var c in Contractions)
            if (text.AsSpan(start).StartsWith(c, StringComparison.Ordinal)) return start + c.Length;

        // " ?X+": a single ASCII space joins the run of letters, digits or other symbols that follows it.
        if (text[start] == ' ' && start + 1 < text.Length)
        {
            var next = ClassAt(text, start + 1, out _);
            if (next != CharClass.Space) return Run(text, start + 1, next).End;
        }

        var cls = ClassAt(text, start, out _);
        var (end, lastStart, runes) = Run(text, start, cls);
        if (cls != CharClass.Space) return end;

        // "\s+(?!\S)" leaves the run's last code point to start the next piece (a last ' ' then joins the following
        // word); at the end of the text, or when the run is a single code point ("\s+"), the whole run matches.
        return end == text.Length || runes == 1 ? end : lastStart;
    }

    /// <summary>Extent of the run of <paramref name="cls"/> code points from <paramref name="start"/>: its end, the
    /// start of its last code point and its length in code points.</summary>
    private static (int End, int LastStart, int Runes) Run(string text, int start, CharClass cls)
    {
        int i = start, last = start, runes = 0;
        while (i < text.Length && ClassAt(text, i, out int width) == cls)
        {
            last = i;
            i += width;
            runes++;
        }
        return (i, last, runes);
    }

    private static CharClass ClassAt(string text, int index, out int width)
    {
        // A lone surrogate decodes as U+FFFD, a symbol, as JavaScript's /u regex and the UTF-8 encoder treat it.
        Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out width);
        if (Rune.IsLetter(rune)) return CharClass.Letter;
        if (Rune.IsNumber(rune)) return CharClass.Number;
        return Rune.IsWhiteSpace(rune) ? CharClass.Space : CharClass.Other;
    }
}
