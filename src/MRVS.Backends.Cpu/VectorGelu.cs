using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MRVS.Backends.Cpu;

/// <summary>
/// Exact GELU over a span, x · Φ(x), in double SIMD lanes: Φ(x) = 1 − ½·erfc(t) for x ≥ 0 and ½·erfc(t) below, with
/// t = |x|/√2 and erfc(t) = e^(−t²)/(1 + 2t) · Y(u), Y a Chebyshev series in u = (t − 3.75)/(t + 3.75) (the
/// Shepherd–Laframboise form, accurate over all of t ≥ 0 with one series). The series' relative error is below
/// 1e-13, so the rounded float equals <c>Activations.Gelu(float)</c> (erf in double by series and continued fraction)
/// except, rarely, by one ulp; every element takes the same lane arithmetic, tails included, so the result does not
/// depend on where a value sits in the span.
/// </summary>
internal static unsafe class VectorGelu
{
    private const double K = 3.75, InvSqrt2 = 0.70710678118654752440;

    /// <summary>|x|/√2 beyond which e^(−t²) is 0 in double: clamping there keeps infinities out of the series.</summary>
    private const double MaxT = 27.0;

    /// <summary>Chebyshev coefficients of Y(u) = (1 + 2t)·e^(t²)·erfc(t) (the first already halved), fitted at 96 nodes.</summary>
    private static readonly double[] s_y =
    [
        1.177578934567401, -0.004590054580646161, -0.0842491333665169, 0.05920993999819199, -0.026658668435307148,
        0.009074997670705656, -0.0024131635404160317, 0.0004907758365249985, -6.916973302638582E-05,
        4.139027987404287E-06, 7.74038307784867E-07, -2.1886401166173092E-07, 1.0764998836787498E-08,
        4.521961273022216E-09, -7.754404202087173E-10, -6.318279695734692E-11, 2.8687980232107908E-11,
        1.9594279902316694E-13, -9.657390627933655E-13,
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

    private static void Apply<TL, TV>(float* p, int n) where TL : struct, IDoubleLanes<TV> where TV : struct
    {
        int w = TL.Count, i = 0;
        for (; i + w <= n; i += w) TL.StoreNarrowed(Lanes<TL, TV>(TL.LoadWidened(p + i)), p + i);
        if (i == n) return;
        float* tail = stackalloc float[w];
        new Span<float>(tail, w).Clear();
        new ReadOnlySpan<float>(p + i, n - i).CopyTo(new Span<float>(tail, w));
        TL.StoreNarrowed(Lanes<TL, TV>(TL.LoadWidened(tail)), tail);
        new ReadOnlySpan<float>(tail, n - i).CopyTo(new Span<float>(p + i, n - i));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Lanes<TL, TV>(TV x) where TL : struct, IDoubleLanes<TV> where TV : struct
    {
        var t = TL.Min(TL.Multiply(TL.Abs(x), TL.Create(InvSqrt2)), TL.Create(MaxT));
        var one = TL.Create(1.0);
        // One division gives both 1/(t + K) and 1/(1 + 2t).
        var tk = TL.Add(t, TL.Create(K));
        var t2 = TL.FusedMultiplyAdd(TL.Create(2.0), t, one);
        var r = TL.Divide(one, TL.Multiply(tk, t2));
        var u = TL.Multiply(TL.Subtract(t, TL.Create(K)), TL.Multiply(r, t2));
        var twoU = TL.Add(u, u);
        TV b1 = TL.Create(0.0), b2 = b1;
        for (int k = s_y.Length - 1; k >= 1; k--)
        {
            var b0 = TL.Subtract(TL.FusedMultiplyAdd(twoU, b1, TL.Create(s_y[k])), b2);
            b2 = b1;
            b1 = b0;
        }
        var y = TL.Subtract(TL.FusedMultiplyAdd(u, b1, TL.Create(s_y[0])), b2);
        var expMinusT2 = TL.Exp(TL.Subtract(TL.Create(0.0), TL.Multiply(t, t)));
        var halfErfc = TL.Multiply(TL.Multiply(expMinusT2, TL.Multiply(y, TL.Multiply(r, tk))), TL.Create(0.5));
        var phi = TL.SelectNonNegative(x, TL.Subtract(one, halfErfc), halfErfc);
        return TL.Multiply(x, phi);
    }
}
