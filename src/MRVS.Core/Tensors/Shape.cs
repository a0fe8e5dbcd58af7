namespace MRVS.Core.Tensors;

/// <summary>Helpers over shapes stored as int[] (row-major, last index fastest).</summary>
public static class Shape
{
    /// <summary>
    /// The element count; <see cref="OverflowException"/> past 64 bits (only a hostile header gets there).
    /// </summary>
    public static long Elements(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n = checked(n * d);
        return n;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>Row-major strides in elements.</summary>
    public static long[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>
    /// Strides in elements of <paramref name="shape"/> read as <paramref name="outShape"/> under NumPy broadcasting
    /// (shapes aligned at the last axis): 0 along the axes it repeats.
    /// </summary>
    public static long[] BroadcastStrides(int[] shape, int[] outShape)
    {
        var s = new long[outShape.Length];
        long acc = 1;
        for (int d = shape.Length - 1, o = outShape.Length - 1; o >= 0; d--, o--)
        {
            if (d >= 0 && shape[d] != 1) { s[o] = acc; acc *= shape[d]; }
        }
        return s;
    }
}
