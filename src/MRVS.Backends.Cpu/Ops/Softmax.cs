using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="SoftmaxOp"/> over the last axis (max-subtracted, as torch does).</summary>
public sealed unsafe class Softmax : CpuKernel<SoftmaxOp>
{
    protected override void Run(SoftmaxOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        int n = inputs[0].Dim(-1);
        long rows = inputs[0].Elements / Math.Max(n, 1);
        nint px = inputs[0].Ptr, py = output.Ptr;
        CpuParallel.For(rows, r =>
        {
            var y = new Span<float>((float*)py + r * n, n);
            new ReadOnlySpan<float>((float*)px + r * n, n).CopyTo(y);
            Row(y);
        }, minPerThread: 256);
    }

    /// <summary>In-place softmax of one row, vectorised; a row of all −∞ gives NaN, like torch.</summary>
    public static void Row(Span<float> x)
    {
        if (x.IsEmpty) return;
        fixed (float* p = x)
        {
            if (Vector512.IsHardwareAccelerated) Row<Lanes512, Vector512<float>>(p, x.Length);
            else if (Vector256.IsHardwareAccelerated) Row<Lanes256, Vector256<float>>(p, x.Length);
            else Row<Lanes128, Vector128<float>>(p, x.Length);
        }
    }

    /// <summary>
    /// The row's max in lanes, then <see cref="ExpNormalise"/>: no call per pass, for the many short rows of attention.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row<TL, TV>(float* x, int n) where TL : struct, ISimdLanes<TV> where TV : struct
    {
        int w = TL.Count, vn = n / w * w, j;
        TV maxV = TL.Broadcast(float.NegativeInfinity);
        for (j = 0; j < vn; j += w) maxV = TL.Max(maxV, TL.Load(x + j));
        float max = TL.MaxAcross(maxV);
        for (; j < n; j++) max = MathF.Max(max, x[j]);
        ExpNormalise<TL, TV>(x, n, max);
    }

    /// <summary>
    /// The rest of a softmax once the row's <paramref name="max"/> is known: x = exp(x − max) and its sum in one
    /// sweep, then x · (1 / sum), as torch's CPU softmax. The tail goes through the same lanes (padded with −∞),
    /// so a value's result does not depend on its position. Exponentials below the smallest normal float are 0 (<see
    /// cref="SimdMath.ExpFlushed"/>): the row's maximum contributes exp(0) = 1, beside which they vanish from any float
    /// sum, and subnormal operands would make the multiply-adds that consume the probabilities (attention's P·V) take
    /// the CPU's slow microcode path.
    /// </summary>
    public static void ExpNormalise(Span<float> x, float max)
    {
        fixed (float* p = x)
        {
            if (Vector512.IsHardwareAccelerated) ExpNormalise<Lanes512, Vector512<float>>(p, x.Length, max);
            else if (Vector256.IsHardwareAccelerated) ExpNormalise<Lanes256, Vector256<float>>(p, x.Length, max);
            else ExpNormalise<Lanes128, Vector128<float>>(p, x.Length, max);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExpNormalise<TL, TV>(float* x, int n, float max)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        int w = TL.Count, vn = n / w * w, j;
        TV maxV = TL.Broadcast(max), sumV = TL.Zero;
        for (j = 0; j < vn; j += w)
        {
            TV e = SimdMath.ExpFlushed<TL, TV>(TL.Subtract(TL.Load(x + j), maxV));
            TL.Store(e, x + j);
            sumV = TL.Add(sumV, e);
        }
        float* tail = stackalloc float[w];
        if (j < n)
        {
            new Span<float>(tail, w).Fill(float.NegativeInfinity);
            new ReadOnlySpan<float>(x + j, n - j).CopyTo(new Span<float>(tail, w));
            TV e = SimdMath.ExpFlushed<TL, TV>(TL.Subtract(TL.Load(tail), maxV));
            TL.Store(e, tail);
            sumV = TL.Add(sumV, e);
            new ReadOnlySpan<float>(tail, n - j).CopyTo(new Span<float>(x + j, n - j));
        }
        float inverse = 1f / TL.Sum(sumV);
        TV scale = TL.Broadcast(inverse);
        for (j = 0; j < vn; j += w) TL.Store(TL.Multiply(TL.Load(x + j), scale), x + j);
        for (; j < n; j++) x[j] *= inverse;
    }
}
