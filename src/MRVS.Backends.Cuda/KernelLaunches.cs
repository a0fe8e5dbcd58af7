using System.Runtime.CompilerServices;
using MRVS.Backends.Cpu.Ops;
using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda;

/// <summary>How each op runs on a GPU device: grid, block and arguments of its kernel in kernels/ (and GEMMs).</summary>
public sealed class KernelLaunches(IGpuDevice device) : IDisposable
{
    private const uint Threads = 256;
    private readonly Dictionary<Op, nint> _tables = [];

    private static readonly HashSet<Type> Kernelized =
    [
        typeof(LinearOp), typeof(MatMulOp), typeof(LayerNormOp), typeof(SoftmaxOp), typeof(UnaryOp), typeof(BinaryOp),
        typeof(GroupNormOp), typeof(PermuteOp), typeof(AttentionOp), typeof(WindowAttentionOp), typeof(MsDeformAttnOp),
    ];

    public static bool Supports(Op op) => Kernelized.Contains(op.GetType());

    public void Run(Node node, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        switch (node.Op)
        {
            case LinearOp op: Linear(op, x, y); break;
            case MatMulOp op: MatMul(op, x, y); break;
            case LayerNormOp op: LayerNorm(op, x, y); break;
            case SoftmaxOp: Softmax(x[0].Ptr, y); break;
            case UnaryOp op: Unary(op, x[0].Ptr, y); break;
            case BinaryOp op: Elementwise(op, x, y); break;
            case GroupNormOp op: GroupNorm(op, x, y); break;
            case PermuteOp op: Permute(op, x, y); break;
            case AttentionOp op: Attention(op, x, y); break;
            case WindowAttentionOp op: WindowAttention(op, x, y); break;
            case MsDeformAttnOp op: MsDeformAttn(op, x, y); break;
            default: throw new NotSupportedException($"{node.Name}: no CUDA kernel for '{node.Op.Kind}' yet");
        }
    }

    private void Launch(string kernel, Dim3 grid, Dim3 block, Action<KernelArgs> fill, int sharedBytes = 0)
    {
        using var args = new KernelArgs();
        fill(args);
        device.Launch(kernel, grid, block, sharedBytes, args);
    }

    private void Softmax(nint input, DeviceTensor y) =>
        Launch("softmax", new Dim3((uint)(y.Elements / y.Dim(-1))), new Dim3(128), a => a.Ptr(input).Ptr(y.Ptr).Add(y.Dim(-1)));

    private void Unary(UnaryOp op, nint input, DeviceTensor y) =>
        Launch("unary", Dim3.Blocks(y.Elements, Threads), new Dim3(Threads), a => a.Ptr(input).Ptr(y.Ptr).Add(y.Elements).Add((int)op.Function).Add(op.Alpha).Add(op.Beta));

    private void Linear(LinearOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = x[1].Dim(0), k = x[1].Dim(1), m = (int)(x[0].Elements / k);
        device.Gemm(x[0].Ptr, x[1].Ptr, y.Ptr, m, n, k, transposeB: true, 1f, 1, 0, 0, 0);
        nint bias = x.Length == 3 ? x[2].Ptr : 0;
        if (bias == 0 && op.Activation == Activation.None) return;
        Launch("linear", Dim3.Blocks(y.Elements, Threads), new Dim3(Threads), a => a.Ptr(y.Ptr).Ptr(bias).Add(y.Elements).Add(n).Add((int)op.Activation));
    }

    private void MatMul(MatMulOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int m = x[0].Dim(-2), k = x[0].Dim(-1), n = y.Dim(-1), batch = MatMulOp.Batch(x[0].Type);
        long strideB = x[1].Type.Rank == 2 ? 0 : (long)k * n;
        device.Gemm(x[0].Ptr, x[1].Ptr, y.Ptr, m, n, k, op.TransposeB, op.Alpha, batch, (long)m * k, strideB, (long)m * n);
    }

    private void LayerNorm(LayerNormOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = y.Dim(-1);
        nint residual = op.HasResidual ? x[1].Ptr : 0, gamma = x[^2].Ptr, beta = x[^1].Ptr, input = x[0].Ptr;
        Launch("layer_norm", new Dim3((uint)(y.Elements / n)), new Dim3(128), a => a.Ptr(input).Ptr(residual).Ptr(gamma).Ptr(beta).Ptr(y.Ptr).Add(n).Add(op.Eps));
    }

    private void Elementwise(BinaryOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var shape = y.Shape;
        if (shape.Length > 6) throw new NotSupportedException($"binary over {shape.Length} axes (the kernel takes at most 6)");
        var sa = Binary.BroadcastStrides(x[0].Shape, shape);
        var sb = Binary.BroadcastStrides(x[1].Shape, shape);
        var b = new BroadcastShape { Rank = shape.Length };
        for (int d = 0; d < shape.Length; d++) { b.Dims[d] = shape[d]; b.StrideA[d] = sa[d]; b.StrideB[d] = sb[d]; }
        nint pa = x[0].Ptr, pb = x[1].Ptr;
        Launch("binary", Dim3.Blocks(y.Elements, Threads), new Dim3(Threads), a => a.Ptr(pa).Ptr(pb).Ptr(y.Ptr).Add(y.Elements).Add((int)op.Operation).Add(b));
    }

    private void GroupNorm(GroupNormOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = y.Dim(0), c = y.Dim(1);
        long spatial = y.Elements / ((long)n * c);
        nint px = x[0].Ptr, g = x[1].Ptr, b = x[2].Ptr;
        Launch("group_norm", new Dim3((uint)(n * op.Groups)), new Dim3(Threads), a => a.Ptr(px).Ptr(g).Ptr(b).Ptr(y.Ptr).Add(c).Add(op.Groups).Add(spatial).Add(op.Eps).Add(op.Relu ? 1 : 0));
    }

    private void Permute(PermuteOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var inStrides = Shape.Strides(x[0].Shape);
        var p = new Permutation { Rank = y.Shape.Length };
        if (p.Rank > 6) throw new NotSupportedException($"permute over {p.Rank} axes (the kernel takes at most 6)");
        for (int d = 0; d < p.Rank; d++) { p.OutDims[d] = y.Shape[d]; p.SourceStride[d] = inStrides[op.Perm[d]]; }
        nint px = x[0].Ptr;
        Launch("permute", Dim3.Blocks(y.Elements, Threads), new Dim3(Threads), a => a.Ptr(px).Ptr(y.Ptr).Add(y.Elements).Add(y.Type.DType.Size()).Add(p));
    }

    private void Attention(AttentionOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int batch = x[0].Dim(0), lq = x[0].Dim(1), lk = x[1].Dim(1), e = x[0].Dim(2), ev = x[2].Dim(2);
        if (e / op.Heads > 128 || ev / op.Heads > 128) throw new NotSupportedException($"attention head dims {e / op.Heads}/{ev / op.Heads} exceed the kernel's 128");
        int next = 3;
        nint kpm = op.HasKeyPaddingMask ? x[next++].Ptr : 0, add = op.HasAdditiveMask ? x[next].Ptr : 0;
        nint q = x[0].Ptr, k = x[1].Ptr, v = x[2].Ptr;
        Launch("attention", Dim3.Blocks((long)batch * op.Heads * lq, 128), new Dim3(128),
            a => a.Ptr(q).Ptr(k).Ptr(v).Ptr(kpm).Ptr(add).Ptr(y.Ptr).Add(batch).Add(op.Heads).Add(lq).Add(lk).Add(e).Add(ev).Add(op.Scaling == AttentionScaling.ScaleScores ? 1 : 0));
    }

    private void WindowAttention(WindowAttentionOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int windows = y.Dim(0), n = y.Dim(1), c = y.Dim(2);
        if (c / op.Heads > 64) throw new NotSupportedException($"window attention head dim {c / op.Heads} exceeds the kernel's 64");
        nint qkv = x[0].Ptr, bias = x[1].Ptr, mask = op.Masked ? x[2].Ptr : 0;
        Launch("window_attention", new Dim3((uint)(windows * op.Heads)), new Dim3(128), a => a.Ptr(qkv).Ptr(bias).Ptr(mask).Ptr(y.Ptr).Add(n).Add(c).Add(op.Heads));
    }

    private void MsDeformAttn(MsDeformAttnOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (v, loc) = (x[0], x[1]);
        int n = v.Dim(0), s = v.Dim(1), m = v.Dim(2), d = v.Dim(3), lq = loc.Dim(1), levels = loc.Dim(3), points = loc.Dim(4);
        nint table = LevelTable(op);
        nint pv = v.Ptr, pl = loc.Ptr, pw = x[2].Ptr;
        Launch("ms_deform_attn", new Dim3((uint)((long)n * lq * m)), new Dim3(32),
            a => a.Ptr(pv).Ptr(table).Ptr(table + 8 * levels).Ptr(pl).Ptr(pw).Ptr(y.Ptr).Add(s).Add(m).Add(d).Add(lq).Add(levels).Add(points));
    }

    /// <summary>The level shapes (h, w) and start offsets as int32 in device memory, uploaded once per op.</summary>
    private nint LevelTable(MsDeformAttnOp op)
    {
        if (_tables.TryGetValue(op, out var p)) return p;
        var values = op.LevelShapes.SelectMany(s => s).Concat(op.LevelStarts()).ToArray();
        p = device.Allocate(values.Length * sizeof(int));
        device.CopyToDevice(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()), p);
        return _tables[op] = p;
    }

    public void Dispose()
    {
        foreach (var p in _tables.Values) device.Free(p);
        _tables.Clear();
    }

    /// <summary>Mirrors struct mrvs_broadcast in kernels/binary.cu.</summary>
    private struct BroadcastShape
    {
        public int Rank;
        public Six<int> Dims;
        public Six<long> StrideA;
        public Six<long> StrideB;
    }

    /// <summary>Mirrors struct mrvs_permutation in kernels/permute.cu.</summary>
    private struct Permutation
    {
        public int Rank;
        public Six<int> OutDims;
        public Six<long> SourceStride;
    }

    [InlineArray(6)]
    private struct Six<T> where T : unmanaged
    {
        private T _element;
    }
}
