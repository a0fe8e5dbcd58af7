using System.Numerics.Tensors;

namespace MRVS.Backends.Cpu;

/// <summary>
/// Single-precision GEMM for the CPU backend: C[m, n] = alpha · Σ_k A[m, k] · B(k, n) (+ C when accumulating),
/// parallel over tiles of C, SIMD along K (B transposed) or along N (B row-major).
/// </summary>
public static unsafe class Gemm
{
    private const int TileM = 16, TileN = 64;

    /// <param name="transposeB">B is [N, K] (PyTorch Linear weights) instead of [K, N].</param>
    public static void Run(float* a, float* b, float* c, int m, int n, int k, bool transposeB, float alpha = 1f,
        int lda = -1, int ldb = -1, int ldc = -1)
    {
        if (lda < 0) lda = k;
        if (ldb < 0) ldb = transposeB ? k : n;
        if (ldc < 0) ldc = n;
        int tilesM = (m + TileM - 1) / TileM, tilesN = (n + TileN - 1) / TileN;
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        CpuParallel.For((long)tilesM * tilesN, t =>
        {
            int m0 = (int)(t / tilesN) * TileM, n0 = (int)(t % tilesN) * TileN;
            int m1 = Math.Min(m0 + TileM, m), n1 = Math.Min(n0 + TileN, n);
            float* A = (float*)pa, B = (float*)pb, C = (float*)pc;
            if (transposeB)
            {
                for (int i = m0; i < m1; i++)
                {
                    var ai = new ReadOnlySpan<float>(A + (long)i * lda, k);
                    for (int j = n0; j < n1; j++)
                        C[(long)i * ldc + j] = alpha * TensorPrimitives.Dot(ai, new ReadOnlySpan<float>(B + (long)j * ldb, k));
                }
            }
            else
            {
                int w = n1 - n0;
                for (int i = m0; i < m1; i++)
                {
                    var ci = new Span<float>(C + (long)i * ldc + n0, w);
                    ci.Clear();
                    for (int kk = 0; kk < k; kk++)
                    {
                        float s = A[(long)i * lda + kk];
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(B + (long)kk * ldb + n0, w), s, ci, ci);
                    }
                    if (alpha != 1f) TensorPrimitives.Multiply(ci, alpha, ci);
                }
            }
        }, minPerThread: 1);
    }
}
