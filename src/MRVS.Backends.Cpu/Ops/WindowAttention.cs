using System.Numerics;
using System.Numerics.Tensors;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="WindowAttentionOp"/>, one (window, head) per work item: S = scale · Q·Kᵀ by GEMM,
/// + relative position bias (each row gathered from the head's table row) (+ −100 between different shift regions),
/// row softmax, then S·V by GEMM into the head's output columns. Padded tokens are ordinary tokens, as upstream.
/// </summary>
public sealed unsafe class WindowAttention : CpuKernel<WindowAttentionOp>
{
    [ThreadStatic] private static float[]? s_scores;
    [ThreadStatic] private static float[]? s_biasRow;

    protected override void Run(WindowAttentionOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var qkv = inputs[0];
        int windows = qkv.Dim(0), n = qkv.Dim(1), c = qkv.Dim(2) / 3, heads = op.Heads, dh = c / heads;
        float scale = 1f / MathF.Sqrt(dh);
        var positions = new int[n];
        for (int j = 0; j < n; j++) positions[j] = WindowAttentionOp.Position(op.Window, j);
        int last = WindowAttentionOp.Position(op.Window, op.Window[0] * op.Window[1] * op.Window[2] - 1);
        int tableRows = op.TableRows;
        nint pqkv = qkv.Ptr, pb = inputs[1].Ptr, pr = op.Masked ? inputs[2].Ptr : 0, py = output.Ptr;
        CpuParallel.For((long)windows * heads, idx =>
        {
            int h = (int)(idx % heads), win = (int)(idx / heads);
            float* rows = (float*)pqkv + (long)win * n * 3 * c + h * dh;
            float* table = (float*)pb + (long)h * tableRows;
            float* regions = pr == 0 ? null : (float*)pr + (long)win * n;
            if (s_scores == null || s_scores.Length < n * n) s_scores = GC.AllocateUninitializedArray<float>(n * n, pinned: true);
            if (s_biasRow == null || s_biasRow.Length < n)
                s_biasRow = GC.AllocateUninitializedArray<float>(n, pinned: true);
            fixed (float* s = s_scores, bias = s_biasRow)
            {
                Gemm.Run(rows, rows + c, s, n, n, dh, transposeB: true, alpha: scale, lda: 3 * c, ldb: 3 * c, ldc: n);
                for (int i = 0; i < n; i++)
                {
                    var row = new Span<float>(s + (long)i * n, n);
                    int offset = positions[i] + last;
                    for (int j = 0; j < n; j++) bias[j] = table[offset - positions[j]];
                    TensorPrimitives.Add(row, new ReadOnlySpan<float>(bias, n), row);
                    if (regions != null) AddShiftMask(row, regions, regions[i]);
                    Softmax.Row(row);
                }
                Gemm.Run(s, rows + 2 * c, (float*)py + (long)win * n * c + h * dh, n, dh, n, transposeB: false, lda: n, ldb: 3 * c, ldc: c);
            }
        }, minPerThread: 1);
    }

    /// <summary>row[j] += −100 where token j lies in another shift region than the query's.</summary>
    private static void AddShiftMask(Span<float> row, float* regions, float query)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var target = new Vector<float>(query);
            var penalty = new Vector<float>(WindowAttentionOp.ShiftMaskValue);
            fixed (float* r = row)
                for (; j <= row.Length - Vector<float>.Count; j += Vector<float>.Count)
                {
                    var same = Vector.Equals(Vector.Load(regions + j), target);
                    (Vector.Load(r + j) + Vector.ConditionalSelect(same, Vector<float>.Zero, penalty)).Store(r + j);
                }
        }
        for (; j < row.Length; j++) row[j] += regions[j] == query ? 0f : WindowAttentionOp.ShiftMaskValue;
    }
}
