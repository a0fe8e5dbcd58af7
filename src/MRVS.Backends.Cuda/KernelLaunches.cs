using System.Runtime.CompilerServices;
using MRVS.Backends.Cpu.Ops;
using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda;

/// <summary>How each op runs on a GPU device: grid, block and arguments of its kernel in kernels/ (and GEMMs, in the backend's precision).</summary>
public sealed class KernelLaunches(IGpuDevice device, PrecisionGemm gemm) : IDisposable
{
    private const uint Threads = 256;
    private readonly Dictionary<Op, nint> _tables = [];

    private static readonly HashSet<Type> Kernelized =
    [
        typeof(LinearOp), typeof(FeedForwardOp), typeof(MatMulOp), typeof(LayerNormOp), typeof(SoftmaxOp), typeof(UnaryOp), typeof(BinaryOp),
        typeof(GroupNormOp), typeof(PermuteOp), typeof(AttentionOp), typeof(WindowAttentionOp), typeof(MsDeformAttnOp),
        typeof(PadOp), typeof(SliceOp), typeof(ConcatOp), typeof(CastOp), typeof(EmbeddingOp), typeof(InterpolateOp),
        typeof(SwinWindowPartitionOp), typeof(SwinWindowMergeOp), typeof(PatchMergeOp), typeof(Conv2dOp), typeof(SinePositionEncodingOp),
        typeof(RobertaPositionIdsOp), typeof(DeformableSamplingLocationsOp), typeof(ValidRatioOp), typeof(DeformableReferencePointsOp),
        typeof(CumulativeMeanOp), typeof(DynamicMaskHeadOp), typeof(LanguageMatchScoreOp), typeof(BmrwOp),
        typeof(CrossModalFusionOp), typeof(FrameScoreAggregationOp), typeof(ReferredMaskOp),
    ];

    public static bool Supports(Op op) => Kernelized.Contains(op.GetType());

    public void Run(Node node, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        switch (node.Op)
        {
            case LinearOp op: Linear(op, x, y); break;
            case FeedForwardOp op: FeedForward(op, x, y); break;
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
            case PadOp op: Pad(op, x[0], y); break;
            case SliceOp op: Slice(op, x[0], y); break;
            case ConcatOp op: Concat(op, x, y); break;
            case CastOp op: Cast(x[0], y); break;
            case EmbeddingOp: Embedding(x[0], x[1], y); break;
            case InterpolateOp op: Interpolate(op, x[0], y); break;
            case SwinWindowPartitionOp op: SwinWindowPartition(op, x[0], y); break;
            case SwinWindowMergeOp op: SwinWindowMerge(op, x, y); break;
            case PatchMergeOp: PatchMerge(x[0], y); break;
            case Conv2dOp op: Conv2d(op, x, y); break;
            case SinePositionEncodingOp op: SinePositionEncoding(op, x[0], y); break;
            case RobertaPositionIdsOp op: PositionIds(op, x[0], y); break;
            case DeformableSamplingLocationsOp op: SamplingLocations(op, x, y); break;
            case ValidRatioOp: ValidRatio(x[0], y); break;
            case DeformableReferencePointsOp op: ReferencePoints(op, x[0], y); break;
            case CumulativeMeanOp: CumulativeMean(x[0], y); break;
            case DynamicMaskHeadOp op: DynamicMaskHead(op, x, y); break;
            case LanguageMatchScoreOp: LanguageMatch(x[0], x[1], y); break;
            case BmrwOp op: Bmrw(op, x[0], x[1], y); break;
            case CrossModalFusionOp op: CrossModalFusion(op, x, y); break;
            case FrameScoreAggregationOp: FrameScoreAggregation(x, y); break;
            case ReferredMaskOp op: ReferredMask(op, x[0], x[1], y); break;
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
        nint bias = op.HasBias(x.Length) ? x[2].Ptr : 0, residual = op.HasResidual ? x[^1].Ptr : 0;
        LinearRows(x[0].Ptr, x[1].Ptr, bias, residual, y.Ptr, m, n, k, op.Activation);
    }

    /// <summary>m rows of a Linear: the GEMM, then kernels/linear.cu for bias, activation and residual where there are any.</summary>
    private void LinearRows(nint input, nint weight, nint bias, nint residual, nint output, int m, int n, int k, Activation act)
    {
        gemm.Run(input, weight, output, m, n, k, transposeB: true, 1f, 1, 0, 0, 0);
        if (bias == 0 && residual == 0 && act == Activation.None) return;
        long count = (long)m * n;
        Launch("linear", Dim3.Blocks(count, Threads), new Dim3(Threads),
            a => a.Ptr(output).Ptr(bias).Ptr(residual).Add(count).Add(n).Add((int)act));
    }

    /// <summary>Rows of the hidden activations a feed-forward keeps in its device scratch at a time.</summary>
    private const long FeedForwardScratchFloats = 1 << 22;

    /// <summary>Both Linears block of rows by block of rows, the hidden activations in a bounded per-op scratch.</summary>
    private void FeedForward(FeedForwardOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int k = x[1].Dim(1), hidden = x[1].Dim(0), n = x[3].Dim(0), m = (int)(x[0].Elements / k);
        int block = (int)Math.Clamp(FeedForwardScratchFloats / hidden, 1, m);
        nint scratch = Scratch(op, (long)block * hidden * sizeof(float));
        for (int r0 = 0; r0 < m; r0 += block)
        {
            int rows = Math.Min(block, m - r0);
            nint residual = op.HasResidual ? x[5].Ptr + (nint)((long)r0 * n * sizeof(float)) : 0;
            LinearRows(x[0].Ptr + (nint)((long)r0 * k * sizeof(float)), x[1].Ptr, x[2].Ptr, 0, scratch, rows, hidden, k, op.Activation);
            LinearRows(scratch, x[3].Ptr, x[4].Ptr, residual, y.Ptr + (nint)((long)r0 * n * sizeof(float)), rows, n, hidden, Activation.None);
        }
    }

    private void MatMul(MatMulOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int m = x[0].Dim(-2), k = x[0].Dim(-1), n = y.Dim(-1), batch = MatMulOp.Batch(x[0].Type);
        long strideB = x[1].Type.Rank == 2 ? 0 : (long)k * n;
        gemm.Run(x[0].Ptr, x[1].Ptr, y.Ptr, m, n, k, op.TransposeB, op.Alpha, batch, (long)m * k, strideB, (long)m * n);
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
        nint qkv = x[0].Ptr, bias = x[1].Ptr, regions = op.Masked ? x[2].Ptr : 0;
        Launch("window_attention", new Dim3((uint)(windows * op.Heads)), new Dim3(128), a => a.Ptr(qkv).Ptr(bias).Ptr(regions).Ptr(y.Ptr).Add(n).Add(c).Add(op.Heads));
    }

    private void MsDeformAttn(MsDeformAttnOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (v, loc) = (x[0], x[1]);
        int n = v.Dim(0), s = v.Dim(1), m = v.Dim(2), d = v.Dim(3), lq = loc.Dim(1), levels = loc.Dim(3), points = loc.Dim(4);
        nint table = LevelTable(op, op.LevelShapes);
        nint pv = v.Ptr, pl = loc.Ptr, pw = x[2].Ptr;
        Launch("ms_deform_attn", new Dim3((uint)((long)n * lq * m)), new Dim3(32),
            a => a.Ptr(pv).Ptr(table).Ptr(table + 8 * levels).Ptr(pl).Ptr(pw).Ptr(y.Ptr).Add(s).Add(m).Add(d).Add(lq).Add(levels).Add(points));
    }

    /// <summary>The level shapes (h, w) and start offsets as int32 in device memory, uploaded once per op.</summary>
    private nint LevelTable(Op op, int[][] shapes)
    {
        if (_tables.TryGetValue(op, out var p)) return p;
        var values = shapes.SelectMany(s => s).Concat(MsDeformAttnOp.LevelStarts(shapes)).ToArray();
        p = device.Allocate(values.Length * sizeof(int));
        device.CopyToDevice(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()), p);
        return _tables[op] = p;
    }

    /// <summary>Per-op device scratch, allocated on first use and kept (the sizes are static).</summary>
    private nint Scratch(Op op, long bytes) => _tables.TryGetValue(op, out var p) ? p : _tables[op] = device.Allocate(bytes);

    private static Dim3 Grid(long work) => Dim3.Blocks(work, Threads);

    private void Pad(PadOp op, DeviceTensor x, DeviceTensor y)
    {
        var s = new PadShape { Rank = x.Shape.Length };
        for (int d = 0; d < s.Rank; d++) { s.InDims[d] = x.Shape[d]; s.OutDims[d] = y.Shape[d]; }
        Launch("pad", Grid(y.Elements), new Dim3(Threads), a => a.Ptr(x.Ptr).Ptr(y.Ptr).Add(y.Elements).Add(y.Type.DType.Size()).Add(s));
    }

    private void Slice(SliceOp op, DeviceTensor x, DeviceTensor y) =>
        CopyAlongAxis(x, y, op.Axis, op.Start, op.Length, op.Step, 0);

    private void Concat(ConcatOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int offset = 0;
        foreach (var t in x)
        {
            CopyAlongAxis(t, y, op.Axis, 0, t.Dim(op.Axis), 1, offset);
            offset += t.Dim(op.Axis);
        }
    }

    /// <summary>The slice kernel: rows [start, start + length·step) of x's axis into rows [offset, offset + length) of y's.</summary>
    private void CopyAlongAxis(DeviceTensor x, DeviceTensor y, int axis, int start, int length, int step, int offset)
    {
        long outer = Shape.Elements(x.Shape.AsSpan(0, axis));
        long innerBytes = Shape.Elements(x.Shape.AsSpan(axis + 1)) * x.Type.DType.Size();
        int axisIn = x.Dim(axis), axisOut = y.Dim(axis);
        Launch("slice", Grid(outer * length * innerBytes), new Dim3(Threads),
            a => a.Ptr(x.Ptr).Ptr(y.Ptr).Add(outer).Add(axisIn).Add(start).Add(length).Add(step).Add(innerBytes).Add(axisOut).Add(offset));
    }

    private static int CastCode(DType t) => t switch { DType.F32 => 0, DType.I64 => 1, DType.Bool => 2, _ => 3 };

    private void Cast(DeviceTensor x, DeviceTensor y) =>
        Launch("cast", Grid(y.Elements), new Dim3(Threads), a => a.Ptr(x.Ptr).Ptr(y.Ptr).Add(y.Elements).Add(CastCode(x.Type.DType)).Add(CastCode(y.Type.DType)));

    private void Embedding(DeviceTensor table, DeviceTensor ids, DeviceTensor y) =>
        Launch("embedding", Grid(y.Elements), new Dim3(Threads), a => a.Ptr(table.Ptr).Ptr(ids.Ptr).Ptr(y.Ptr).Add(ids.Elements).Add(table.Dim(0)).Add(table.Dim(1)));

    private void Interpolate(InterpolateOp op, DeviceTensor x, DeviceTensor y)
    {
        int ih = x.Dim(-2), iw = x.Dim(-1);
        long planes = x.Elements / ((long)ih * iw);
        Launch("interpolate", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(x.Ptr).Ptr(y.Ptr).Add(planes).Add(ih).Add(iw).Add(op.Height).Add(op.Width).Add((int)op.Mode).Add(x.Type.DType.Size()));
    }

    private void SwinWindowPartition(SwinWindowPartitionOp op, DeviceTensor x, DeviceTensor y) =>
        SwinWindow("swin_window_partition", op.Window, x.Shape, y, a => a.Ptr(x.Ptr).Ptr(y.Ptr));

    private void SwinWindowMerge(SwinWindowMergeOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        nint windows = x[0].Ptr, residual = op.HasResidual ? x[1].Ptr : 0;
        SwinWindow("swin_window_merge", op.Window, y.Shape, y, a => a.Ptr(windows).Ptr(residual).Ptr(y.Ptr));
    }

    /// <summary>kernels/swin_window.cu: <paramref name="pointers"/> adds the kernel's buffers, then the shared geometry follows.</summary>
    private void SwinWindow(string kernel, SwinWindow window, int[] volume, DeviceTensor y, Action<KernelArgs> pointers)
    {
        var g = new WindowGeometry();
        for (int i = 0; i < 3; i++) { g.Size[i] = window.Size[i]; g.Shift[i] = window.Shift[i]; g.Padded[i] = window.Padded(i, volume[i]); }
        Launch(kernel, Grid(y.Elements), new Dim3(Threads), a =>
        {
            pointers(a);
            a.Add(y.Elements).Add(volume[0]).Add(volume[1]).Add(volume[2]).Add(volume[3]).Add(g);
        });
    }

    private void PatchMerge(DeviceTensor x, DeviceTensor y) =>
        Launch("patch_merge", Grid(y.Elements), new Dim3(Threads), a => a.Ptr(x.Ptr).Ptr(y.Ptr).Add(y.Elements).Add(x.Dim(1)).Add(x.Dim(2)).Add(x.Dim(3)));

    private void Conv2d(Conv2dOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (input, w) = (x[0], x[1]);
        int n = input.Dim(0), cin = input.Dim(1), h = input.Dim(2), wd = input.Dim(3), cout = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3), oh = y.Dim(2), ow = y.Dim(3);
        long cols = (long)cin * kh * kw * oh * ow;
        nint colBuffer = Scratch(op, cols * sizeof(float));
        for (int img = 0; img < n; img++)
        {
            nint src = input.Ptr + (nint)((long)img * cin * h * wd * sizeof(float));
            nint dst = y.Ptr + (nint)((long)img * cout * oh * ow * sizeof(float));
            Launch("conv2d", Grid(cols), new Dim3(Threads), a => a.Ptr(src).Ptr(colBuffer).Add(cin).Add(h).Add(wd).Add(kh).Add(kw).Add(op.Stride).Add(op.Padding).Add(oh).Add(ow));
            gemm.Run(w.Ptr, colBuffer, dst, cout, oh * ow, cin * kh * kw, transposeB: false, 1f, 1, 0, 0, 0);
        }
        if (x.Length == 3)
        {
            nint bias = x[2].Ptr;
            Launch("conv2d_bias", Grid(y.Elements), new Dim3(Threads), a => a.Ptr(y.Ptr).Ptr(bias).Add(y.Elements).Add((long)oh * ow).Add(cout));
        }
    }

    private void SinePositionEncoding(SinePositionEncodingOp op, DeviceTensor mask, DeviceTensor y)
    {
        long positions = mask.Elements;
        if (op.TwoDimensional)
            Launch("sine_position_encoding_2d", Dim3.Blocks(positions, 128), new Dim3(128), a => a.Ptr(mask.Ptr).Ptr(y.Ptr).Add(mask.Dim(0)).Add(mask.Dim(1)).Add(mask.Dim(2)).Add(op.NumPosFeats));
        else
            Launch("sine_position_encoding_1d", Dim3.Blocks(positions, 128), new Dim3(128), a => a.Ptr(mask.Ptr).Ptr(y.Ptr).Add(mask.Dim(0)).Add(mask.Dim(1)).Add(op.NumPosFeats));
    }

    private void PositionIds(RobertaPositionIdsOp op, DeviceTensor ids, DeviceTensor y)
    {
        if (ids.Dim(0) > 1024) throw new NotSupportedException($"roberta_position_ids for {ids.Dim(0)} sentences (the kernel takes at most 1024)");
        Launch("roberta_position_ids", new Dim3(1), new Dim3((uint)ids.Dim(0)), a => a.Ptr(ids.Ptr).Ptr(y.Ptr).Add(ids.Dim(0)).Add(ids.Dim(1)).Add(op.PadTokenId));
    }

    private void SamplingLocations(DeformableSamplingLocationsOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        nint off = x[0].Ptr, r = x[1].Ptr, table = LevelTable(op, op.LevelShapes);
        long samples = y.Elements / 2;
        int refDims = x[1].Dim(3);
        Launch("deformable_sampling_locations", Grid(samples), new Dim3(Threads),
            a => a.Ptr(off).Ptr(r).Ptr(table).Ptr(y.Ptr).Add(samples).Add(op.Heads).Add(op.LevelShapes.Length).Add(op.Points).Add(refDims));
    }

    private void ValidRatio(DeviceTensor mask, DeviceTensor y) =>
        Launch("valid_ratio", Dim3.Blocks(mask.Dim(0), 128), new Dim3(128), a => a.Ptr(mask.Ptr).Ptr(y.Ptr).Add(mask.Dim(0)).Add(mask.Dim(1)).Add(mask.Dim(2)));

    private void ReferencePoints(DeformableReferencePointsOp op, DeviceTensor vr, DeviceTensor y)
    {
        nint table = LevelTable(op, op.LevelShapes);
        int levels = op.LevelShapes.Length;
        Launch("deformable_reference_points", Dim3.Blocks((long)y.Dim(0) * y.Dim(1), 128), new Dim3(128),
            a => a.Ptr(vr.Ptr).Ptr(table).Ptr(table + 8 * levels).Ptr(y.Ptr).Add(y.Dim(0)).Add(y.Dim(1)).Add(levels));
    }

    private void ReferredMask(ReferredMaskOp op, DeviceTensor cls, DeviceTensor masks, DeviceTensor y) =>
        Launch("referred_mask", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(cls.Ptr).Ptr(masks.Ptr).Ptr(y.Ptr).Add(cls.Dim(0)).Add(cls.Dim(2)).Add(cls.Dim(3)).Add(masks.Dim(3)).Add(masks.Dim(4))
                .Add(op.Padded.H).Add(op.Padded.W).Add(op.Resized.H).Add(op.Resized.W).Add(op.Original.H).Add(op.Original.W),
            sharedBytes: 4 * cls.Dim(2));

    private void CumulativeMean(DeviceTensor x, DeviceTensor y)
    {
        long inner = x.Elements / x.Dim(0);
        Launch("cumulative_mean", Grid(inner), new Dim3(Threads), a => a.Ptr(x.Ptr).Ptr(y.Ptr).Add(x.Dim(0)).Add(inner));
    }

    private void DynamicMaskHead(DynamicMaskHeadOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (f, p, r) = (x[0], x[1], x[2]);
        if (f.Dim(1) + 2 > 32 || op.Channels > 32) throw new NotSupportedException("dynamic_mask_head wider than 32 channels");
        Launch("dynamic_mask_head", Dim3.Blocks(y.Elements, 128), new Dim3(128), a => a.Ptr(f.Ptr).Ptr(p.Ptr).Ptr(r.Ptr).Ptr(y.Ptr)
            .Add(f.Dim(0)).Add(f.Dim(1)).Add(f.Dim(2)).Add(f.Dim(3)).Add(p.Dim(1)).Add(p.Dim(2)).Add(op.Channels).Add(op.Layers)
            .Add((float)op.ImageHeight).Add((float)op.ImageWidth).Add(op.Stride));
    }

    private void LanguageMatch(DeviceTensor f, DeviceTensor g, DeviceTensor y) =>
        Launch("language_match_score", new Dim3((uint)(f.Dim(0) * f.Dim(1))), new Dim3(32),
            a => a.Ptr(f.Ptr).Ptr(g.Ptr).Ptr(y.Ptr).Add(f.Dim(0)).Add(f.Dim(1)).Add(f.Dim(2)).Add(f.Dim(3)));

    private void Bmrw(BmrwOp op, DeviceTensor x, DeviceTensor yv, DeviceTensor y)
    {
        int n = x.Dim(0), k = x.Dim(1), m = yv.Dim(1), d = x.Dim(2);
        nint scratch = Scratch(op, (long)n * ((long)m * k + 2L * k * k + (long)k * d) * sizeof(float));
        Launch("bmrw", new Dim3((uint)n), new Dim3(32), a => a.Ptr(x.Ptr).Ptr(yv.Ptr).Ptr(y.Ptr).Ptr(scratch).Add(k).Add(m).Add(d));
    }

    /// <summary>kernels/cross_modal_fusion.cu: attention into per-op scratch, the out_proj GEMM into y, then bias and gate in place.</summary>
    private void CrossModalFusion(CrossModalFusionOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int batch = y.Dim(0), lq = y.Dim(1), lk = x[1].Dim(1), e = y.Dim(2), dh = e / op.Heads;
        if (dh > 128) throw new NotSupportedException($"cross-modal fusion head dim {dh} exceeds the kernel's 128");
        nint q = x[0].Ptr, k = x[1].Ptr, v = x[2].Ptr, w = x[3].Ptr, bias = x[4].Ptr, target = x[5].Ptr;
        nint kpm = op.HasKeyPaddingMask ? x[6].Ptr : 0, attended = Scratch(op, y.Type.Bytes);
        Launch(dh <= 32 ? "cross_modal_fusion" : "cross_modal_fusion_wide", new Dim3((uint)((lq + 127) / 128), (uint)(batch * op.Heads)), new Dim3(128),
            a => a.Ptr(q).Ptr(k).Ptr(v).Ptr(kpm).Ptr(attended).Add(lq).Add(lk).Add(e).Add(op.Heads));
        gemm.Run(attended, w, y.Ptr, batch * lq, e, e, transposeB: true, 1f, 1, 0, 0, 0);
        Launch("cross_modal_fusion_gate", Grid(y.Elements), new Dim3(Threads), a => a.Ptr(y.Ptr).Ptr(bias).Ptr(target).Add(y.Elements).Add(e));
    }

    private void FrameScoreAggregation(ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var f = x[0];
        nint visibility = x[1].Ptr, match = x[2].Ptr, variance = x[3].Ptr;
        Launch("frame_score_aggregation", Grid(y.Elements), new Dim3(Threads), a => a.Ptr(f.Ptr).Ptr(visibility).Ptr(match).Ptr(variance).Ptr(y.Ptr)
            .Add(y.Elements).Add((long)f.Dim(2) * f.Dim(3)).Add(f.Dim(0)).Add(f.Dim(1)).Add(FrameScoreAggregationOp.VarianceWeight));
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

    /// <summary>Mirrors struct mrvs_pad_shape in kernels/pad.cu.</summary>
    private struct PadShape
    {
        public int Rank;
        public Six<int> InDims;
        public Six<int> OutDims;
    }

    /// <summary>Mirrors struct mrvs_window in kernels/swin_window.cu.</summary>
    private struct WindowGeometry
    {
        public Three Size;
        public Three Shift;
        public Three Padded;
    }

    [InlineArray(3)]
    private struct Three
    {
        private int _element;
    }

    [InlineArray(6)]
    private struct Six<T> where T : unmanaged
    {
        private T _element;
    }
}
