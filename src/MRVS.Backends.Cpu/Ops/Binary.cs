using System.Numerics.Tensors;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="BinaryOp"/>: a fast path for equal shapes and for a right operand that repeats along
/// leading axes, else a broadcast row by row (vectorised along the last axis).
/// </summary>
public sealed unsafe class Binary : CpuKernel<BinaryOp>
{
    /// <summary>Elements per work item for equal shapes, so one large tensor still spreads over the threads.</summary>
    private const int Chunk = 1 << 14;

    protected override void Run(BinaryOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (a, b) = (inputs[0], inputs[1]);
        long n = output.Elements;
        if (n == 0) return;
        nint pa = a.Ptr, pb = b.Ptr, py = output.Ptr;
        var kind = op.Operation;
        if (a.Elements == n && b.Elements == n)
        {
            CpuParallel.For((n + Chunk - 1) / Chunk, r =>
            {
                long o = r * Chunk;
                int len = (int)Math.Min(Chunk, n - o);
                Apply(kind, new ReadOnlySpan<float>((float*)pa + o, len), new ReadOnlySpan<float>((float*)pb + o, len),
                    new Span<float>((float*)py + o, len));
            });
            return;
        }
        if (a.Elements == n && IsTrailing(b.Shape, output.Shape))
        {
            long inner = b.Elements;
            CpuParallel.For(n / inner, r => Apply(kind, new ReadOnlySpan<float>((float*)pa + r * inner, (int)inner),
                new ReadOnlySpan<float>((float*)pb, (int)inner), new Span<float>((float*)py + r * inner, (int)inner)));
            return;
        }
        var outShape = output.Shape;
        var sa = Shape.BroadcastStrides(a.Shape, outShape);
        var sb = Shape.BroadcastStrides(b.Shape, outShape);
        int rank = outShape.Length, last = outShape[^1];
        // Along the last axis each operand is either contiguous (stride 1) or one repeated value (stride 0),
        // so every output row is one vectorised span op.
        CpuParallel.For(n / last, row =>
        {
            long rem = row, ia = 0, ib = 0;
            for (int d = rank - 2; d >= 0; d--)
            {
                long coord = rem % outShape[d];
                rem /= outShape[d];
                ia += coord * sa[d];
                ib += coord * sb[d];
            }
            float* ra = (float*)pa + ia, rb = (float*)pb + ib;
            var y = new Span<float>((float*)py + row * last, last);
            if (sa[^1] == 0 && sb[^1] == 0) y.Fill(Scalar(kind, *ra, *rb));
            else if (sb[^1] == 0) ApplyRightScalar(kind, new ReadOnlySpan<float>(ra, last), *rb, y);
            else if (sa[^1] == 0) ApplyLeftScalar(kind, *ra, new ReadOnlySpan<float>(rb, last), y);
            else Apply(kind, new ReadOnlySpan<float>(ra, last), new ReadOnlySpan<float>(rb, last), y);
        }, minPerThread: Math.Max(1, 4096 / last));
    }

    private static bool IsTrailing(int[] small, int[] full) =>
        small.Length <= full.Length && small.AsSpan().SequenceEqual(full.AsSpan(full.Length - small.Length))
            && small.Length > 0;

    private static void Apply(BinaryKind k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        switch (k)
        {
            case BinaryKind.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryKind.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryKind.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryKind.Div: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static void ApplyRightScalar(BinaryKind k, ReadOnlySpan<float> a, float b, Span<float> y)
    {
        switch (k)
        {
            case BinaryKind.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryKind.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryKind.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryKind.Div: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static void ApplyLeftScalar(BinaryKind k, float a, ReadOnlySpan<float> b, Span<float> y)
    {
        switch (k)
        {
            case BinaryKind.Add: TensorPrimitives.Add(b, a, y); break;
            case BinaryKind.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryKind.Mul: TensorPrimitives.Multiply(b, a, y); break;
            case BinaryKind.Div: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static float Scalar(BinaryKind k, float a, float b) => k switch
    {
        BinaryKind.Add => a + b,
        BinaryKind.Sub => a - b,
        BinaryKind.Mul => a * b,
        _ => a / b,
    };
}
