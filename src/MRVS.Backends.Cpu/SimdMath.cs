using System.Runtime.CompilerServices;

namespace MRVS.Backends.Cpu;

/// <summary>Elementary functions in float SIMD lanes, written once against <see cref="ISimdLanes{TVec}"/>.</summary>
internal static class SimdMath
{
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;

    /// <summary>Below this e^x is not a normal float.</summary>
    private const float ExpSmallestNormalArgument = -87.3365447f;

    /// <summary>
    /// e^x for x ≤ 88.7, results that would be subnormal flushed to 0 (so is e^−∞): x = n·ln 2 + r with ln 2
    /// split in two (Cody–Waite; the first part has 9 significant bits, so n·Ln2Hi is exact), e^r by its degree-7
    /// Taylor polynomial (|r| ≤ ln 2 / 2: truncation below 3e-9), times 2^n. Within 2 ulp of the exact value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpFlushed<TL, TV>(TV x) where TL : struct, ISimdLanes<TV> where TV : struct
    {
        TV n = TL.Round(TL.Multiply(x, TL.Broadcast(Log2E)));
        TV r = TL.FusedMultiplyAdd(n, TL.Broadcast(-Ln2Hi), x);
        r = TL.FusedMultiplyAdd(n, TL.Broadcast(-Ln2Lo), r);
        TV p = TL.Broadcast(1f / 5040f);
        p = TL.FusedMultiplyAdd(p, r, TL.Broadcast(1f / 720f));
        p = TL.FusedMultiplyAdd(p, r, TL.Broadcast(1f / 120f));
        p = TL.FusedMultiplyAdd(p, r, TL.Broadcast(1f / 24f));
        p = TL.FusedMultiplyAdd(p, r, TL.Broadcast(1f / 6f));
        p = TL.FusedMultiplyAdd(p, r, TL.Broadcast(0.5f));
        p = TL.FusedMultiplyAdd(p, r, TL.Broadcast(1f));
        p = TL.FusedMultiplyAdd(p, r, TL.Broadcast(1f));
        return TL.ZeroWhereBelow(x, TL.Broadcast(ExpSmallestNormalArgument), TL.Multiply(p, TL.Pow2(n)));
    }
}
