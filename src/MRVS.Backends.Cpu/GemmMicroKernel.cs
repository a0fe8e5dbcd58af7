using System.Runtime.CompilerServices;

namespace MRVS.Backends.Cpu;

/// <summary>
/// The GEMM's register block: a 6 × (2 vectors) tile of C held in 12 accumulators, updated per k by one broadcast
/// from each of 6 rows of A (read in place, row-major with stride lda) and two loads from a packed B panel. Each C
/// element is a single fused multiply-add chain over k in order, so the result does not depend on the vector width,
/// the blocking or the thread count.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    public const int Rows = 6;

    /// <summary>
    /// C[0..6, 0..2w] = ((accumulate ? C : 0) + Σ_k A[r, k] · b[k]) · scale, where row r of A starts at
    /// <paramref name="a"/> + r·<paramref name="lda"/> and <paramref name="b"/> holds 2w values per k (a packed
    /// panel).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TL, TV>(float* a, long lda, float* b, int kc, float* c, long ldc, bool accumulate,
        float scale)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        int w = TL.Count;
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda;
        TV c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (accumulate)
        {
            c00 = TL.Load(c); c01 = TL.Load(c + w);
            c10 = TL.Load(c + ldc); c11 = TL.Load(c + ldc + w);
            c20 = TL.Load(c + 2 * ldc); c21 = TL.Load(c + 2 * ldc + w);
            c30 = TL.Load(c + 3 * ldc); c31 = TL.Load(c + 3 * ldc + w);
            c40 = TL.Load(c + 4 * ldc); c41 = TL.Load(c + 4 * ldc + w);
            c50 = TL.Load(c + 5 * ldc); c51 = TL.Load(c + 5 * ldc + w);
        }
        else
        {
            c00 = TL.Zero; c01 = TL.Zero;
            c10 = TL.Zero; c11 = TL.Zero;
            c20 = TL.Zero; c21 = TL.Zero;
            c30 = TL.Zero; c31 = TL.Zero;
            c40 = TL.Zero; c41 = TL.Zero;
            c50 = TL.Zero; c51 = TL.Zero;
        }
        for (int k = 0; k < kc; k++, b += 2 * w)
        {
            TV b0 = TL.Load(b), b1 = TL.Load(b + w), ar;
            ar = TL.Broadcast(a0[k]); c00 = TL.FusedMultiplyAdd(ar, b0, c00); c01 = TL.FusedMultiplyAdd(ar, b1, c01);
            ar = TL.Broadcast(a1[k]); c10 = TL.FusedMultiplyAdd(ar, b0, c10); c11 = TL.FusedMultiplyAdd(ar, b1, c11);
            ar = TL.Broadcast(a2[k]); c20 = TL.FusedMultiplyAdd(ar, b0, c20); c21 = TL.FusedMultiplyAdd(ar, b1, c21);
            ar = TL.Broadcast(a3[k]); c30 = TL.FusedMultiplyAdd(ar, b0, c30); c31 = TL.FusedMultiplyAdd(ar, b1, c31);
            ar = TL.Broadcast(a4[k]); c40 = TL.FusedMultiplyAdd(ar, b0, c40); c41 = TL.FusedMultiplyAdd(ar, b1, c41);
            ar = TL.Broadcast(a5[k]); c50 = TL.FusedMultiplyAdd(ar, b0, c50); c51 = TL.FusedMultiplyAdd(ar, b1, c51);
        }
        TV s = TL.Broadcast(scale);
        TL.Store(TL.Multiply(c00, s), c); TL.Store(TL.Multiply(c01, s), c + w);
        TL.Store(TL.Multiply(c10, s), c + ldc); TL.Store(TL.Multiply(c11, s), c + ldc + w);
        TL.Store(TL.Multiply(c20, s), c + 2 * ldc); TL.Store(TL.Multiply(c21, s), c + 2 * ldc + w);
        TL.Store(TL.Multiply(c30, s), c + 3 * ldc); TL.Store(TL.Multiply(c31, s), c + 3 * ldc + w);
        TL.Store(TL.Multiply(c40, s), c + 4 * ldc); TL.Store(TL.Multiply(c41, s), c + 4 * ldc + w);
        TL.Store(TL.Multiply(c50, s), c + 5 * ldc); TL.Store(TL.Multiply(c51, s), c + 5 * ldc + w);
    }
}
