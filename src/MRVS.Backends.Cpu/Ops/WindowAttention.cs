using System.Numerics.Tensors;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="WindowAttentionOp"/>: one (window, head, query) row per work item.</summary>
public sealed unsafe class WindowAttention : CpuKernel<WindowAttentionOp>
{
    /// <summary>Score rows up to this length live on the stack (a full 8×7×7 window has 392 tokens).</summary>
    private const int StackScores = 1024;

    protected override void Run(WindowAttentionOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var qkv = inputs[0];
        int windows = qkv.Dim(0), n = qkv.Dim(1), c = qkv.Dim(2) / 3, heads = op.Heads, dh = c / heads;
        float scale = 1f / MathF.Sqrt(dh);
        nint pqkv = qkv.Ptr, pb = inputs[1].Ptr, pr = op.Masked ? inputs[2].Ptr : 0, py = output.Ptr;
        CpuParallel.For((long)windows * heads * n, idx =>
        {
            int i = (int)(idx % n), h = (int)(idx / n % heads), win = (int)(idx / n / heads);
            float* rows = (float*)pqkv + (long)win * n * 3 * c;
            Span<float> q = dh <= StackScores ? stackalloc float[dh] : new float[dh];
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(rows + (long)i * 3 * c + h * dh, dh), scale, q);
            Span<float> s = n <= StackScores ? stackalloc float[n] : new float[n];
            float* bias = (float*)pb + ((long)h * n + i) * n;
            float* regions = pr == 0 ? null : (float*)pr + (long)win * n;
            for (int j = 0; j < n; j++)
            {
                float v = TensorPrimitives.Dot(q, new ReadOnlySpan<float>(rows + (long)j * 3 * c + c + h * dh, dh)) + bias[j];
                s[j] = regions == null ? v : v + (regions[j] == regions[i] ? 0f : WindowAttentionOp.ShiftMaskValue);
            }
            Softmax.Row(s);
            var o = new Span<float>((float*)py + ((long)win * n + i) * c + h * dh, dh);
            o.Clear();
            for (int j = 0; j < n; j++)
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(rows + (long)j * 3 * c + 2 * c + h * dh, dh), s[j], o, o);
        }, minPerThread: 64);
    }
}
