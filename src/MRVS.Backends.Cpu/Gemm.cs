using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MRVS.Backends.Cpu;

/// <summary>
/// Single-precision GEMM for the CPU backend: C[m, n] = alpha · Σ_k A[m, k] · B(k, n), float32 fused multiply-add
/// accumulation in k order. Blocked as usual for caches: tiles of C (Mc × Nc) are the parallel work items; per
/// Kc-deep slice, A and B are packed into micro-panels that <see cref="GemmMicroKernel"/> streams through.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>Kc × 2w B micro-panel stays in L1, the Mc × Kc A block in L2.</summary>
    private const int Kc = 256, Mc = 16 * GemmMicroKernel.Rows, PanelsPerNc = 16;

    [ThreadStatic] private static float[]? s_packA, s_packB;

    /// <param name="transposeB">B is [N, K] (PyTorch Linear weights) instead of [K, N].</param>
    public static void Run(float* a, float* b, float* c, int m, int n, int k, bool transposeB, float alpha = 1f,
        int lda = -1, int ldb = -1, int ldc = -1)
    {
        if (lda < 0) lda = k;
        if (ldb < 0) ldb = transposeB ? k : n;
        if (ldc < 0) ldc = n;
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }
        var g = new Problem((nint)a, (nint)b, (nint)c, m, n, k, transposeB, alpha, lda, ldb, ldc);
        if (Vector512.IsHardwareAccelerated) Run<Lanes512, Vector512<float>>(g);
        else if (Vector256.IsHardwareAccelerated) Run<Lanes256, Vector256<float>>(g);
        else Run<Lanes128, Vector128<float>>(g);
    }

    /// <summary>Addresses as nint: pointers cannot be record fields.</summary>
    private readonly record struct Problem(nint A, nint B, nint C, int M, int N, int K, bool TransposeB, float Alpha, int Lda, int Ldb, int Ldc);

    private static void Run<TL, TV>(Problem g) where TL : struct, ISimdLanes<TV> where TV : struct
    {
        int nc = PanelsPerNc * 2 * TL.Count;
        int tilesM = (g.M + Mc - 1) / Mc, tilesN = (g.N + nc - 1) / nc;
        CpuParallel.For((long)tilesM * tilesN, t => Tile<TL, TV>(g, (int)(t / tilesN) * Mc, (int)(t % tilesN) * nc, nc), minPerThread: 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TL, TV>(in Problem g, int m0, int n0, int nc) where TL : struct, ISimdLanes<TV> where TV : struct
    {
        const int mr = GemmMicroKernel.Rows;
        int nr = 2 * TL.Count;
        int mb = Math.Min(Mc, g.M - m0), nb = Math.Min(nc, g.N - n0);
        int panelsM = (mb + mr - 1) / mr, panelsN = (nb + nr - 1) / nr;
        s_packA ??= GC.AllocateUninitializedArray<float>(Mc * Kc, pinned: true);
        if (s_packB == null || s_packB.Length < Kc * nc) s_packB = GC.AllocateUninitializedArray<float>(Kc * nc, pinned: true);
        float* edge = stackalloc float[mr * nr];
        fixed (float* packA = s_packA, packB = s_packB)
        {
            for (int k0 = 0; k0 < g.K; k0 += Kc)
            {
                int kc = Math.Min(Kc, g.K - k0);
                PackRows((float*)g.A + (long)m0 * g.Lda + k0, g.Lda, mb, panelsM * mr, kc, mr, packA);
                if (g.TransposeB) PackRows((float*)g.B + (long)n0 * g.Ldb + k0, g.Ldb, nb, panelsN * nr, kc, nr, packB);
                else PackB((float*)g.B + (long)k0 * g.Ldb + n0, g.Ldb, nb, panelsN * nr, kc, nr, packB);
                bool accumulate = k0 > 0;
                float scale = k0 + kc >= g.K ? g.Alpha : 1f;
                for (int jp = 0; jp < panelsN; jp++)
                {
                    float* bp = packB + (long)jp * nr * kc;
                    int cols = Math.Min(nr, nb - jp * nr);
                    for (int ip = 0; ip < panelsM; ip++)
                    {
                        float* ap = packA + ip * mr * kc;
                        float* cp = (float*)g.C + (long)(m0 + ip * mr) * g.Ldc + n0 + jp * nr;
                        int rows = Math.Min(mr, mb - ip * mr);
                        if (rows == mr && cols == nr)
                        {
                            GemmMicroKernel.Run<TL, TV>(ap, bp, kc, cp, g.Ldc, accumulate, scale);
                            continue;
                        }
                        // Partial tiles at the right and bottom borders go through a full-size scratch tile.
                        if (accumulate) Copy(cp, g.Ldc, edge, nr, rows, cols);
                        GemmMicroKernel.Run<TL, TV>(ap, bp, kc, edge, nr, accumulate, scale);
                        Copy(edge, nr, cp, g.Ldc, rows, cols);
                    }
                }
            }
        }
    }

    /// <summary>
    /// A block of row-major rows [count, kc] → panels of <paramref name="width"/> rows, k-major inside, zero rows past
    /// the end: A's rows (width mr), and B's columns when B is given transposed as [N, K] (width nr).
    /// </summary>
    private static void PackRows(float* src, int ld, int count, int paddedCount, int kc, int width, float* dst)
    {
        for (int i = 0; i < paddedCount; i++)
        {
            float* d = dst + (long)(i / width) * width * kc + i % width;
            if (i >= count)
            {
                for (int k = 0; k < kc; k++) d[k * width] = 0f;
                continue;
            }
            float* s = src + (long)i * ld;
            for (int k = 0; k < kc; k++) d[k * width] = s[k];
        }
    }

    /// <summary>B [K, N] block → panels of nr columns, k-major inside, zero columns past the end.</summary>
    private static void PackB(float* b, int ldb, int cols, int paddedCols, int kc, int nr, float* dst)
    {
        for (int j0 = 0; j0 < paddedCols; j0 += nr)
        {
            float* d = dst + (long)j0 * kc;
            int w = Math.Min(nr, cols - j0);
            for (int k = 0; k < kc; k++, d += nr)
            {
                new ReadOnlySpan<float>(b + (long)k * ldb + j0, w).CopyTo(new Span<float>(d, nr));
                new Span<float>(d + w, nr - w).Clear();
            }
        }
    }

    private static void Copy(float* src, long lds, float* dst, long ldd, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
            new ReadOnlySpan<float>(src + i * lds, cols).CopyTo(new Span<float>(dst + i * ldd, cols));
    }
}
