using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MRVS.Backends.Cpu;

/// <summary>
/// The float lanes of the widest SIMD vectors the kernels use on this machine (the width they dispatch on).
/// </summary>
internal static class SimdWidth
{
    public static int Floats => Vector512.IsHardwareAccelerated ? Vector512<float>.Count
        : Vector256.IsHardwareAccelerated ? Vector256<float>.Count : Vector128<float>.Count;
}

/// <summary>
/// One SIMD width of float lanes. Kernels written once against this interface are specialised per struct by the
/// JIT and by NativeAOT, so Vector512, Vector256 and Vector128 code comes from a single source.
/// </summary>
internal unsafe interface ISimdLanes<TVec> where TVec : struct
{
    static abstract int Count { get; }
    static abstract TVec Zero { get; }
    static abstract TVec Load(float* p);
    static abstract void Store(TVec v, float* p);
    static abstract TVec Broadcast(float x);
    /// <summary>a·b + c rounded once, so every width (and the scalar tail) gives the same bits.</summary>
    static abstract TVec FusedMultiplyAdd(TVec a, TVec b, TVec c);
    static abstract TVec Multiply(TVec a, TVec b);
    static abstract TVec Add(TVec a, TVec b);
    /// <summary>x &gt; 0 ? x : 0 per lane (NaN gives 0, as the scalar ReLU).</summary>
    static abstract TVec Relu(TVec x);
    static abstract TVec Subtract(TVec a, TVec b);
    static abstract TVec Max(TVec a, TVec b);
    /// <summary>Round to the nearest integer, ties to even.</summary>
    static abstract TVec Round(TVec x);
    /// <summary>2^n for integral n, n clamped to [−127, 128]: 0 below −126, +∞ above 127.</summary>
    static abstract TVec Pow2(TVec n);
    /// <summary>Per lane: a ≠ b ? value : 0.</summary>
    static abstract TVec WhereNotEqual(TVec a, TVec b, TVec value);
    /// <summary>Per lane: x &lt; limit ? 0 : value.</summary>
    static abstract TVec ZeroWhereBelow(TVec x, TVec limit, TVec value);
    static abstract float Sum(TVec v);
    static abstract float MaxAcross(TVec v);
}

internal unsafe struct Lanes512 : ISimdLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Relu(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Round(Vector512<float> x) => Vector512.Round(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Pow2(Vector512<float> n) =>
        (Vector512.ConvertToInt32(Vector512.Min(Vector512.Max(n, Vector512.Create(-127f)), Vector512.Create(128f)))
            + Vector512.Create(127) << 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> WhereNotEqual(Vector512<float> a, Vector512<float> b, Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.Equals(a, b), Vector512<float>.Zero, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ZeroWhereBelow(Vector512<float> x, Vector512<float> limit, Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.LessThan(x, limit), Vector512<float>.Zero, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => Vector512.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> v) => Lanes256.MaxAcross(Vector256.Max(v.GetLower(), v.GetUpper()));
}

internal unsafe struct Lanes256 : ISimdLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Round(Vector256<float> x) => Vector256.Round(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Pow2(Vector256<float> n) =>
        (Vector256.ConvertToInt32(Vector256.Min(Vector256.Max(n, Vector256.Create(-127f)), Vector256.Create(128f)))
            + Vector256.Create(127) << 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> WhereNotEqual(Vector256<float> a, Vector256<float> b, Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.Equals(a, b), Vector256<float>.Zero, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ZeroWhereBelow(Vector256<float> x, Vector256<float> limit, Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, limit), Vector256<float>.Zero, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> v) => Lanes128.MaxAcross(Vector128.Max(v.GetLower(), v.GetUpper()));
}

internal unsafe struct Lanes128 : ISimdLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FusedMultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Vector128.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Relu(Vector128<float> x) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, Vector128<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Round(Vector128<float> x) => Vector128.Round(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Pow2(Vector128<float> n) =>
        (Vector128.ConvertToInt32(Vector128.Min(Vector128.Max(n, Vector128.Create(-127f)), Vector128.Create(128f)))
            + Vector128.Create(127) << 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> WhereNotEqual(Vector128<float> a, Vector128<float> b, Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.Equals(a, b), Vector128<float>.Zero, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ZeroWhereBelow(Vector128<float> x, Vector128<float> limit, Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.LessThan(x, limit), Vector128<float>.Zero, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> v) => Vector128.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> v) => MathF.Max(MathF.Max(v[0], v[1]), MathF.Max(v[2], v[3]));
}

/// <summary>
/// One SIMD width of double lanes fed from and written back to floats, for float kernels that compute in double
/// (<see cref="VectorGelu"/>). Like <see cref="ISimdLanes{TVec}"/>, written once and specialised per width.
/// </summary>
internal unsafe interface IDoubleLanes<TVec> where TVec : struct
{
    static abstract int Count { get; }
    static abstract TVec Create(double x);
    /// <summary><see cref="Count"/> floats from <paramref name="p"/>, widened exactly.</summary>
    static abstract TVec LoadWidened(float* p);
    /// <summary>Rounds to float and stores <see cref="Count"/> floats.</summary>
    static abstract void StoreNarrowed(TVec v, float* p);
    static abstract TVec Add(TVec a, TVec b);
    static abstract TVec Subtract(TVec a, TVec b);
    static abstract TVec Multiply(TVec a, TVec b);
    /// <summary>
    /// 1/a to within a few ulp: AVX-512's 14-bit estimate refined by two Newton steps where available (a division takes
    /// as long as a dozen multiply-adds).
    /// </summary>
    static abstract TVec Reciprocal(TVec a);
    static abstract TVec FusedMultiplyAdd(TVec a, TVec b, TVec c);
    static abstract TVec Abs(TVec a);
    static abstract TVec Min(TVec a, TVec b);
    static abstract TVec Exp(TVec a);
    /// <summary>
    /// Per lane: <paramref name="x"/> ≥ 0 ? <paramref name="ifNonNegative"/> : <paramref name="otherwise"/>.
    /// </summary>
    static abstract TVec SelectNonNegative(TVec x, TVec ifNonNegative, TVec otherwise);
}

internal unsafe struct Doubles512 : IDoubleLanes<Vector512<double>>
{
    public static int Count => Vector512<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Create(double x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> LoadWidened(float* p) =>
        Vector512.WidenLower(Vector512.Create(Vector256.Load(p), Vector256<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(Vector512<double> v, float* p) => Vector512.Narrow(v, v).GetLower().Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Subtract(Vector512<double> a, Vector512<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Multiply(Vector512<double> a, Vector512<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Reciprocal(Vector512<double> a)
    {
        if (!Avx512F.IsSupported) return Vector512<double>.One / a;
        var r = Avx512F.Reciprocal14(a);
        r = Vector512.FusedMultiplyAdd(r, Vector512.FusedMultiplyAdd(-a, r, Vector512<double>.One), r);
        return Vector512.FusedMultiplyAdd(r, Vector512.FusedMultiplyAdd(-a, r, Vector512<double>.One), r);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> FusedMultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) =>
        Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Abs(Vector512<double> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Min(Vector512<double> a, Vector512<double> b) => Vector512.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> a) => Vector512.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> SelectNonNegative(Vector512<double> x, Vector512<double> a, Vector512<double> b) =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<double>.Zero), a, b);
}

internal unsafe struct Doubles256 : IDoubleLanes<Vector256<double>>
{
    public static int Count => Vector256<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Create(double x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> LoadWidened(float* p) =>
        Vector256.WidenLower(Vector256.Create(Vector128.Load(p), Vector128<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(Vector256<double> v, float* p) => Vector256.Narrow(v, v).GetLower().Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Subtract(Vector256<double> a, Vector256<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Multiply(Vector256<double> a, Vector256<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Reciprocal(Vector256<double> a)
    {
        if (!Avx512F.VL.IsSupported) return Vector256<double>.One / a;
        var r = Avx512F.VL.Reciprocal14(a);
        r = Vector256.FusedMultiplyAdd(r, Vector256.FusedMultiplyAdd(-a, r, Vector256<double>.One), r);
        return Vector256.FusedMultiplyAdd(r, Vector256.FusedMultiplyAdd(-a, r, Vector256<double>.One), r);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> FusedMultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Abs(Vector256<double> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Min(Vector256<double> a, Vector256<double> b) => Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> a) => Vector256.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> SelectNonNegative(Vector256<double> x, Vector256<double> a, Vector256<double> b) =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero), a, b);
}

internal unsafe struct Doubles128 : IDoubleLanes<Vector128<double>>
{
    public static int Count => Vector128<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Create(double x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> LoadWidened(float* p) => Vector128.Create((double)p[0], p[1]);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(Vector128<double> v, float* p) { p[0] = (float)v[0]; p[1] = (float)v[1]; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Add(Vector128<double> a, Vector128<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Subtract(Vector128<double> a, Vector128<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Multiply(Vector128<double> a, Vector128<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Reciprocal(Vector128<double> a) => Vector128<double>.One / a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> FusedMultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c) =>
        Vector128.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Abs(Vector128<double> a) => Vector128.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Min(Vector128<double> a, Vector128<double> b) => Vector128.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Exp(Vector128<double> a) => Vector128.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> SelectNonNegative(Vector128<double> x, Vector128<double> a, Vector128<double> b) =>
        Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<double>.Zero), a, b);
}
