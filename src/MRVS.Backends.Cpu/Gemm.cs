using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MRVS.Backends.Cpu;

/// <summary>
/// Single-precision GEMM for the CPU backend: C[m, n] = alpha · Σ_k A[m, k] · B(k, n), then an optional
/// <see cref="GemmEpilogue"/>; float32 fused multiply-add accumulation in k order. B is packed once per call into
/// Kc-deep panels of 2 vectors' width (in chunks of at most <see cref="PackedChunkFloats"/>), shared by every thread;
/// A is read in place. Tiles of C (up to Mc rows × a group of panels) are the parallel work items. With few rows of
/// A and B given as [N, K] (a Linear's weights), the roles swap (<see cref="RunTransposed"/>): B is read in place and
/// only A is packed, so the weights are streamed once instead of copied. Every path gives each element of C the same
/// multiply-add chain, so results do not depend on the path, the blocking or the thread count.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>A Kc × 2w B panel stays in L1, the Mc × Kc rows of A it meets in L2.</summary>
    private const int Kc = PackedMatrix.SliceDepth, Mc = 16 * GemmMicroKernel.Rows;

    /// <summary>
    /// Largest packed part of B at a time (4 MiB): B is packed and consumed chunk by chunk of panels.
    /// </summary>
    private const int PackedChunkFloats = 1 << 20;

    /// <summary>Work items per thread aimed for when splitting C, so uneven tiles still balance.</summary>
    private const int ItemsPerThread = 4;

    /// <summary>
    /// Rows of A up to which a product with B as [N, K] streams B in place (<see cref="RunTransposed"/>), in panels.
    /// </summary>
    private const int StreamedPanels = 2;

    [ThreadStatic] private static float[]? t_packedB;

    /// <param name="transposeB">B is [N, K] (PyTorch Linear weights) instead of [K, N].</param>
    public static void Run(float* a, float* b, float* c, int m, int n, int k, bool transposeB, float alpha = 1f,
        int lda = -1, int ldb = -1, int ldc = -1, GemmEpilogue epilogue = default)
    {
        if (lda < 0) lda = k;
        if (ldb < 0) ldb = transposeB ? k : n;
        if (ldc < 0) ldc = n;
        if (m <= 0 || n <= 0) return;
        var g = new Problem((nint)a, (nint)b, (nint)c, m, n, k, transposeB, alpha, lda, ldb, ldc, epilogue);
        if (Vector512.IsHardwareAccelerated) Run<Lanes512, Vector512<float>>(g);
        else if (Vector256.IsHardwareAccelerated) Run<Lanes256, Vector256<float>>(g);
        else Run<Lanes128, Vector128<float>>(g);
    }

    private static void Run<TL, TV>(Problem g) where TL : struct, ISimdLanes<TV> where TV : struct
    {
        if (g.TransposeB && g.K > 0 && g.M <= StreamedPanels * 2 * TL.Count) RunTransposed<TL, TV>(g);
        else Run<TL, TV>(g, null);
    }

    /// <summary>
    /// C = alpha · A · B with B packed beforehand (<see cref="Pack"/>), for several products with the same B.
    /// </summary>
    public static void Run(float* a, PackedMatrix b, float* c, int m, float alpha = 1f, int lda = -1, int ldc = -1,
        GemmEpilogue epilogue = default)
    {
        if (lda < 0) lda = b.K;
        if (ldc < 0) ldc = b.N;
        if (m <= 0 || b.N <= 0) return;
        var g = new Problem((nint)a, 0, (nint)c, m, b.N, b.K, false, alpha, lda, 0, ldc, epilogue);
        if (Vector512.IsHardwareAccelerated) Run<Lanes512, Vector512<float>>(g, b);
        else if (Vector256.IsHardwareAccelerated) Run<Lanes256, Vector256<float>>(g, b);
        else Run<Lanes128, Vector128<float>>(g, b);
    }

    /// <summary>
    /// B (K × N, or N × K when <paramref name="transposeB"/>) packed whole, for
    /// <see cref="Run(float*, PackedMatrix, float*, int, float, int, int, GemmEpilogue)"/>.
    /// </summary>
    public static PackedMatrix Pack(float* b, int n, int k, bool transposeB, int ldb = -1)
    {
        if (ldb < 0) ldb = transposeB ? k : n;
        var packed = new PackedMatrix(n, k);
        if (k > 0)
            PackB(new Problem(0, (nint)b, 0, 0, n, k, transposeB, 1f, 0, ldb, 0, default), 0, packed.Panels,
                packed.PanelWidth, packed.Data);
        return packed;
    }

    /// <summary>Addresses as nint: pointers cannot be record fields.</summary>
    private readonly record struct Problem(nint A, nint B, nint C, int M, int N, int K, bool TransposeB, float Alpha,
        int Lda, int Ldb, int Ldc, GemmEpilogue Epilogue);

    private static void Run<TL, TV>(Problem g, PackedMatrix? prepacked)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        int nr = 2 * TL.Count, panels = (g.N + nr - 1) / nr;
        if (g.K <= 0)
        {
            for (int i = 0; i < g.M; i++) new Span<float>((float*)g.C + (long)i * g.Ldc, g.N).Clear();
            if (g.Epilogue.IsEmpty) return;
        }
        int tilesM = (g.M + Mc - 1) / Mc, threads = CpuParallel.Threads;
        int chunk = prepacked is null ? Math.Clamp(PackedChunkFloats / (Math.Max(g.K, 1) * nr), 1, panels) : panels;
        float* packed = prepacked is null ? PackBuffer((long)chunk * nr * Math.Max(g.K, 1)) : prepacked.Data;
        nint pp = (nint)packed;
        for (int p0 = 0; p0 < panels; p0 += chunk)
        {
            int count = Math.Min(chunk, panels - p0);
            if (g.K > 0 && prepacked is null) PackB(g, p0, count, nr, packed);
            // Enough panel groups that small-M products still give every thread work.
            int groups = Math.Clamp((ItemsPerThread * threads + tilesM - 1) / tilesM, 1, count);
            int perGroup = (count + groups - 1) / groups;
            groups = (count + perGroup - 1) / perGroup;
            int first = p0;
            CpuParallel.For((long)tilesM * groups, t =>
            {
                int tm = (int)(t / groups), tg = (int)(t % groups);
                int j0 = tg * perGroup, j1 = Math.Min(count, j0 + perGroup);
                Tile<TL, TV>(g, (float*)pp, count, first, tm * Mc, j0, j1);
            });
        }
    }

    /// <summary>This thread's buffer for packed parts of B (pinned, grown on demand, kept for the next call).</summary>
    private static float* PackBuffer(long floats)
    {
        if (t_packedB == null || t_packedB.Length < floats)
            t_packedB = GC.AllocateUninitializedArray<float>((int)floats, pinned: true);
        return (float*)Unsafe.AsPointer(ref t_packedB[0]);
    }

    /// <summary>
    /// Cᵀ = B·Aᵀ for few rows of A: B [N, K] gives the micro-kernel's six broadcast rows in place, A is packed as
    /// the panels (at most <see cref="StreamedPanels"/>), and each 6 × 2w tile of Cᵀ is stored transposed into C
    /// with the epilogue. Groups of six rows of B are the parallel work items.
    /// </summary>
    private static void RunTransposed<TL, TV>(Problem g) where TL : struct, ISimdLanes<TV> where TV : struct
    {
        int nr = 2 * TL.Count, panels = (g.M + nr - 1) / nr,
            groups = (g.N + GemmMicroKernel.Rows - 1) / GemmMicroKernel.Rows;
        float* packed = PackBuffer((long)panels * nr * g.K);
        PackB(new Problem(0, g.A, 0, 0, g.M, g.K, true, 1f, 0, g.Lda, 0, default), 0, panels, nr, packed);
        nint pp = (nint)packed;
        var problem = g;
        CpuParallel.For(groups, grp =>
            TransposedRows<TL, TV>(problem, (float*)pp, panels, (int)grp * GemmMicroKernel.Rows),
            minPerThread: Math.Max(1, (1L << 16) / ((long)g.K * g.M)));
    }

    [ThreadStatic] private static float[]? t_edgeRows;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposedRows<TL, TV>(in Problem g, float* packed, int panels, int n0)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        const int mr = GemmMicroKernel.Rows;
        int nr = 2 * TL.Count, rows = Math.Min(mr, g.N - n0);
        float* a = (float*)g.B + (long)n0 * g.Ldb;
        long lda = g.Ldb;
        float[]? edge = null;
        if (rows < mr)
        {
            // Last rows of B: a zero-padded copy, so the micro-kernel never reads past B.
            if (t_edgeRows == null || t_edgeRows.Length < mr * g.K)
                t_edgeRows = GC.AllocateUninitializedArray<float>(mr * g.K, pinned: true);
            edge = t_edgeRows;
            new Span<float>(edge, 0, mr * g.K).Clear();
            for (int r = 0; r < rows; r++)
                new ReadOnlySpan<float>(a + r * lda, g.K).CopyTo(new Span<float>(edge, r * g.K, g.K));
            a = (float*)Unsafe.AsPointer(ref edge[0]);
            lda = g.K;
        }
        float* tile = stackalloc float[mr * nr];
        for (int p = 0; p < panels; p++)
        {
            for (int k0 = 0; k0 < g.K; k0 += Kc)
            {
                int kc = Math.Min(Kc, g.K - k0);
                float* bp = packed + (long)k0 * panels * nr + (long)p * kc * nr;
                GemmMicroKernel.Run<TL, TV>(a + k0, lda, bp, kc, tile, nr, k0 > 0, k0 + Kc >= g.K ? g.Alpha : 1f);
            }
            int cols = Math.Min(nr, g.M - p * nr);
            for (int j = 0; j < cols; j++)
            {
                int m = p * nr + j;
                float* c = (float*)g.C + (long)m * g.Ldc + n0;
                for (int r = 0; r < rows; r++) c[r] = tile[r * nr + j];
                if (!g.Epilogue.IsEmpty) g.Epilogue.ApplyToRow(c, n0, rows, m);
            }
        }
        GC.KeepAlive(edge);
    }

    /// <summary>
    /// Panels [p0, p0 + count) of B (nr columns each, zero past N) for every k: slice s (k0 = s·Kc) starts at
    /// k0 · count · nr, panel j of it at j · kc · nr, k-major inside.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(in Problem g, int p0, int count, int nr, float* packed)
    {
        var p = g;
        nint dst = (nint)packed;
        long work = (long)count * nr * g.K;
        CpuParallel.For(count, j =>
        {
            int n0 = (p0 + (int)j) * nr, cols = Math.Min(nr, p.N - n0);
            for (int k0 = 0; k0 < p.K; k0 += Kc)
            {
                int kc = Math.Min(Kc, p.K - k0);
                float* d = (float*)dst + (long)k0 * count * nr + j * kc * nr;
                if (p.TransposeB) PackTransposed((float*)p.B + (long)n0 * p.Ldb + k0, p.Ldb, cols, kc, nr, d);
                else PackRows((float*)p.B + (long)k0 * p.Ldb + n0, p.Ldb, cols, kc, nr, d);
            }
        }, minPerThread: Math.Max(1, count * (1L << 16) / Math.Max(work, 1)));
    }

    /// <summary>
    /// B [K, N] rows k0.. → one panel: kc rows of <paramref name="cols"/> values, zero-padded to nr.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRows(float* b, long ldb, int cols, int kc, int nr, float* d)
    {
        for (int k = 0; k < kc; k++, d += nr)
        {
            new ReadOnlySpan<float>(b + k * ldb, cols).CopyTo(new Span<float>(d, nr));
            if (cols < nr) new Span<float>(d + cols, nr - cols).Clear();
        }
    }

    /// <summary>B [N, K] rows n0.. (columns of op(B)) → one k-major panel, zero-padded to nr.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposed(float* b, long ldb, int cols, int kc, int nr, float* d)
    {
        if (cols < nr) new Span<float>(d, kc * nr).Clear();
        for (int j = 0; j < cols; j++)
        {
            float* s = b + j * ldb;
            for (int k = 0; k < kc; k++) d[k * nr + j] = s[k];
        }
    }

    /// <summary>
    /// Rows [m0, m0 + Mc) × panels [j0, j1) of the packed chunk (whose first panel is <paramref name="p0"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TL, TV>(in Problem g, float* packed, int count, int p0, int m0, int j0, int j1)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        const int mr = GemmMicroKernel.Rows;
        int nr = 2 * TL.Count, mb = Math.Min(Mc, g.M - m0);
        var e = g.Epilogue;
        float* edge = stackalloc float[mr * nr];
        float* edgeResidual = stackalloc float[mr * nr];
        float* edgeBias = stackalloc float[nr];
        float* edgeA = stackalloc float[mr * Kc];
        int kSteps = Math.Max(g.K, 1);
        for (int k0 = 0; k0 < kSteps; k0 += Kc)
        {
            int kc = Math.Min(Kc, g.K - k0);
            bool accumulate = k0 > 0, last = k0 + Kc >= g.K;
            float scale = last ? g.Alpha : 1f;
            for (int j = j0; j < j1; j++)
            {
                float* bp = packed + (long)k0 * count * nr + (long)j * kc * nr;
                int n0 = (p0 + j) * nr, cols = Math.Min(nr, g.N - n0);
                float* bias = e.Bias == 0 ? null : (float*)e.Bias + n0;
                if (bias != null && cols < nr)
                {
                    new Span<float>(edgeBias, nr).Clear();
                    new ReadOnlySpan<float>(bias, cols).CopyTo(new Span<float>(edgeBias, nr));
                    bias = edgeBias;
                }
                for (int i = 0; i < mb; i += mr)
                {
                    int rows = Math.Min(mr, mb - i);
                    float* a = (float*)g.A + (long)(m0 + i) * g.Lda + k0;
                    long lda = g.Lda;
                    if (rows < mr && kc > 0)
                    {
                        // Bottom rows: a zero-padded copy, so the micro-kernel never reads past A.
                        new Span<float>(edgeA, mr * kc).Clear();
                        for (int r = 0; r < rows; r++)
                            new ReadOnlySpan<float>(a + r * lda, kc).CopyTo(new Span<float>(edgeA + r * kc, kc));
                        a = edgeA;
                        lda = kc;
                    }
                    float* cp = (float*)g.C + (long)(m0 + i) * g.Ldc + n0;
                    float* residual = e.Residual == 0 ? null : (float*)e.Residual + (long)(m0 + i) * e.LdResidual + n0;
                    if (rows == mr && cols == nr)
                    {
                        if (kc > 0) GemmMicroKernel.Run<TL, TV>(a, lda, bp, kc, cp, g.Ldc, accumulate, scale);
                        if (last && !e.IsEmpty) e.ApplyToTile<TL, TV>(cp, g.Ldc, bias, residual, e.LdResidual);
                        continue;
                    }
                    // Partial tiles at the right and bottom borders go through full-size scratch tiles.
                    if (accumulate || kc == 0) Copy(cp, g.Ldc, edge, nr, rows, cols);
                    if (kc > 0) GemmMicroKernel.Run<TL, TV>(a, lda, bp, kc, edge, nr, accumulate, scale);
                    if (last && !e.IsEmpty)
                    {
                        if (residual != null)
                        {
                            new Span<float>(edgeResidual, mr * nr).Clear();
                            Copy(residual, e.LdResidual, edgeResidual, nr, rows, cols);
                        }
                        e.ApplyToTile<TL, TV>(edge, nr, bias, residual == null ? null : edgeResidual, nr);
                    }
                    Copy(edge, nr, cp, g.Ldc, rows, cols);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Copy(float* src, long lds, float* dst, long ldd, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
            new ReadOnlySpan<float>(src + i * lds, cols).CopyTo(new Span<float>(dst + i * ldd, cols));
    }
}
