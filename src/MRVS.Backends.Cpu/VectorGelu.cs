using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MRVS.Backends.Cpu;

/// <summary>
/// Exact GELU over a span, x · Φ(x), in double SIMD lanes: Φ(x) = 1 − ½·erfc(t) for x ≥ 0 and ½·erfc(t)
/// below, with t = |x|/√2 and erfc(t) = e^(−t²)/(1 + 2t) · Y(u), Y a Chebyshev series in u = (t − 3.75)/(t +
/// 3.75) (the Shepherd–Laframboise form, accurate over all of t ≥ 0 with one series). The relative error is about
/// 1e-12, so the rounded float equals <c>Activations.Gelu(float)</c> (erf in double by series and continued fraction)
/// except, rarely, by one ulp; every element takes the same lane arithmetic, tails included, so the result does not
/// depend on where a value sits in the span.
/// </summary>
internal static unsafe class VectorGelu
{
    private const double K = 3.75, InvSqrt2 = 0.70710678118654752440;

    /// <summary>
    /// |x|/√2 beyond which e^(−t²) is 0 in double: clamping there keeps infinities out of the series.
    /// </summary>
    private const double MaxT = 27.0;

    /// <summary>
    /// Chebyshev coefficients of Y(u) = (1 + 2t)·e^(t²)·erfc(t) (the first already halved), from 96 nodes, the
    /// series cut after degree 16 (relative error about 1e-12, the rest rounds away in float).
    /// </summary>
    private static ReadOnlySpan<double> Y =>
    [
        1.177578934567401, -0.004590054580646161, -0.0842491333665169, 0.05920993999819199, -0.026658668435307148,
        0.009074997670705656, -0.0024131635404160317, 0.0004907758365249985, -6.916973302638582E-05,
        4.139027987404287E-06, 7.74038307784867E-07, -2.1886401166173092E-07, 1.0764998836787498E-08,
        4.521961273022216E-09, -7.754404202087173E-10, -6.318279695734692E-11, 2.8687980232107908E-11,
    ];

    public static void Apply(Span<float> v)
    {
        fixed (float* p = v)
        {
            if (Vector512.IsHardwareAccelerated) Apply<Doubles512, Vector512<double>>(p, v.Length);
            else if (Vector256.IsHardwareAccelerated) Apply<Doubles256, Vector256<double>>(p, v.Length);
            else Apply<Doubles128, Vector128<double>>(p, v.Length);
        }
    }

    /// <summary>
    /// Four vectors at a time: the series is a chain of dependent multiply-adds, so four chains keep the units busy.
    /// </summary>
    private static void Apply<TL, TV>(float* p, int n) where TL : struct, IDoubleLanes<TV> where TV : struct
    {
        int block = 4 * TL.Count, i = 0;
        for (; i + block <= n; i += block) Block<TL, TV>(p + i);
        if (i == n) return;
        float* tail = stackalloc float[block];
        new Span<float>(tail, block).Clear();
        new ReadOnlySpan<float>(p + i, n - i).CopyTo(new Span<float>(tail, block));
        Block<TL, TV>(tail);
        new ReadOnlySpan<float>(tail, n - i).CopyTo(new Span<float>(p + i, n - i));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TL, TV>(float* p) where TL : struct, IDoubleLanes<TV> where TV : struct
    {
        int w = TL.Count;
        TV x0 = TL.LoadWidened(p), x1 = TL.LoadWidened(p + w), x2 = TL.LoadWidened(p + 2 * w),
            x3 = TL.LoadWidened(p + 3 * w);
        // e^(−t²) first: it is a call, and few values are live across it.
        TV s0 = Scale<TL, TV>(x0, out var u0), s1 = Scale<TL, TV>(x1, out var u1);
        TV s2 = Scale<TL, TV>(x2, out var u2), s3 = Scale<TL, TV>(x3, out var u3);
        ReadOnlySpan<double> c = Y;
        TV v0 = TL.Add(u0, u0), v1 = TL.Add(u1, u1), v2 = TL.Add(u2, u2), v3 = TL.Add(u3, u3);
        TV a0 = TL.Create(0.0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int k = c.Length - 1; k >= 1; k--)
        {
            // Clenshaw: a ← 2u·a − b + c_k, b ← previous a.
            TV ck = TL.Create(c[k]);
            TV n0 = TL.Subtract(TL.FusedMultiplyAdd(v0, a0, ck), b0),
                n1 = TL.Subtract(TL.FusedMultiplyAdd(v1, a1, ck), b1);
            TV n2 = TL.Subtract(TL.FusedMultiplyAdd(v2, a2, ck), b2),
                n3 = TL.Subtract(TL.FusedMultiplyAdd(v3, a3, ck), b3);
            (b0, b1, b2, b3) = (a0, a1, a2, a3);
            (a0, a1, a2, a3) = (n0, n1, n2, n3);
        }
        TV first = TL.Create(c[0]);
        TL.StoreNarrowed(Finish<TL, TV>(x0, s0, TL.Subtract(TL.FusedMultiplyAdd(u0, a0, first), b0)), p);
        TL.StoreNarrowed(Finish<TL, TV>(x1, s1, TL.Subtract(TL.FusedMultiplyAdd(u1, a1, first), b1)), p + w);
        TL.StoreNarrowed(Finish<TL, TV>(x2, s2, TL.Subtract(TL.FusedMultiplyAdd(u2, a2, first), b2)), p + 2 * w);
        TL.StoreNarrowed(Finish<TL, TV>(x3, s3, TL.Subtract(TL.FusedMultiplyAdd(u3, a3, first), b3)), p + 3 * w);
    }

    /// <summary>½·e^(−t²)/(1 + 2t), so that ½·erfc(t) = Y(u) times it; and u, the series' variable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Scale<TL, TV>(TV x, out TV u) where TL : struct, IDoubleLanes<TV> where TV : struct
    {
        var t = TL.Min(TL.Multiply(TL.Abs(x), TL.Create(InvSqrt2)), TL.Create(MaxT));
        var one = TL.Create(1.0);
        // One division gives both 1/(t + K) and 1/(1 + 2t).
        var tk = TL.Add(t, TL.Create(K));
        var t2 = TL.FusedMultiplyAdd(TL.Create(2.0), t, one);
        var r = TL.Reciprocal(TL.Multiply(tk, t2));
        u = TL.Multiply(TL.Subtract(t, TL.Create(K)), TL.Multiply(r, t2));
        var expMinusT2 = TL.Exp(TL.Subtract(TL.Create(0.0), TL.Multiply(t, t)));
        return TL.Multiply(TL.Multiply(expMinusT2, TL.Multiply(r, tk)), TL.Create(0.5));
    }

    /// <summary>x · Φ(x) from ½·erfc(t) = y · scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Finish<TL, TV>(TV x, TV scale, TV y) where TL : struct, IDoubleLanes<TV> where TV : struct
    {
        var halfErfc = TL.Multiply(y, scale);
        return TL.Multiply(x, TL.SelectNonNegative(x, TL.Subtract(TL.Create(1.0), halfErfc), halfErfc));
    }
}
