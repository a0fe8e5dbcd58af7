namespace MRVS.Pipeline.Media;

/// <summary>
/// Orders names as people number frames: digit runs compare by value ("frame2" before "frame10"), other text
/// case-insensitively; remaining ties (e.g. "01" vs "1") fall back to ordinal order so the result is total.
/// </summary>
public sealed class NaturalSortComparer : IComparer<string?>
{
    /// <summary>The comparer (it has no state).</summary>
    public static NaturalSortComparer Instance { get; } = new();

    /// <inheritdoc/>
    public int Compare(string? a, string? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a == null) return -1;
        if (b == null) return 1;
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            int c = char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j])
                ? CompareNumbers(a, ref i, b, ref j)
                : CompareText(a, ref i, b, ref j);
            if (c != 0) return c;
        }
        int byLength = (a.Length - i).CompareTo(b.Length - j);
        return byLength != 0 ? byLength : string.CompareOrdinal(a, b);
    }

    /// <summary>Compares two digit runs by value without parsing, so runs of any length work.</summary>
    private static int CompareNumbers(string a, ref int i, string b, ref int j)
    {
        var x = TakeRun(a, ref i, digits: true).TrimStart('0');
        var y = TakeRun(b, ref j, digits: true).TrimStart('0');
        int c = x.Length.CompareTo(y.Length);
        return c != 0 ? c : x.CompareTo(y, StringComparison.Ordinal);
    }

    private static int CompareText(string a, ref int i, string b, ref int j) =>
        TakeRun(a, ref i, digits: false).CompareTo(TakeRun(b, ref j, digits: false),
            StringComparison.OrdinalIgnoreCase);

    private static ReadOnlySpan<char> TakeRun(string s, ref int index, bool digits)
    {
        int start = index;
        while (index < s.Length && char.IsAsciiDigit(s[index]) == digits) index++;
        return s.AsSpan(start, index - start);
    }
}
