using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Parity;

/// <summary>
/// The parity cases of every CUDA kernel, grouped by op: random inputs with awkward sizes (1, odd, not multiples of
/// the block). The NUnit suite runs them all on every CUDA device present; <c>mrvs kernels check KIND</c> runs one
/// op's.
/// </summary>
public static class KernelParityCases
{
    public static IReadOnlyList<KernelParityCase> All { get; } =
        [.. Basic(), .. Backbone(), .. Text(), .. Fusion(), .. Deformable(), .. Heads(), .. Masks()];

    private static KernelParityCase Case(string name, Op op, Func<Random, Tensor[]> inputs) => new(name, op, inputs);

    /// <summary>Uniform in [-1, 1).</summary>
    private static Tensor Rand(Random r, params int[] shape)
    {
        var t = Tensor.Zeros(DType.F32, shape);
        foreach (ref var v in t.Span<float>()) v = (float)(r.NextDouble() * 2 - 1);
        return t;
    }

    /// <summary>Uniform in [low, high).</summary>
    private static Tensor Uniform(Random r, float low, float high, params int[] shape)
    {
        var t = Tensor.Zeros(DType.F32, shape);
        foreach (ref var v in t.Span<float>()) v = low + (high - low) * (float)r.NextDouble();
        return t;
    }

    private static Tensor Mask(Random r, double density, params int[] shape)
    {
        var t = Tensor.Zeros(DType.Bool, shape);
        foreach (ref var v in t.Span<byte>()) v = (byte)(r.NextDouble() < density ? 1 : 0);
        return t;
    }

    /// <summary>Shift-mask region labels [windows, tokens], each one of 3.</summary>
    private static Tensor Labels(Random r, int windows, int tokens)
    {
        var t = Tensor.Zeros(DType.F32, windows, tokens);
        foreach (ref var v in t.Span<float>()) v = r.Next(3);
        return t;
    }

    private static Tensor Ids() => Tensor.FromSpan<long>([0L, 4L, 2L, 2L, 1L], 1, 5);

    private static IEnumerable<KernelParityCase> Basic()
    {
        // Row lengths of the models (8-channel demo Swin, 16 deformable weights, d_model 256, 768 RoBERTa, 2048 in
        // Swin-B's last patch merging) and edges of the row groups: one thread per row, a warp, the whole block, rows
        // longer than the block's registers; odd lengths take scalar loads.
        foreach (var (rows, n) in new[] { (1, 1), (3, 7), (300, 8), (130, 16), (5, 129), (6, 256), (2, 768), (2, 1000),
                     (3, 2048), (2, 4099) })
        {
            yield return Case($"layer_norm {rows}x{n}", new LayerNormOp(1e-5f),
                r => [Rand(r, rows, n), Rand(r, n), Rand(r, n)]);
            yield return Case($"layer_norm+residual {rows}x{n}", new LayerNormOp(1e-12f, residual: true),
                r => [Rand(r, rows, n), Rand(r, rows, n), Rand(r, n), Rand(r, n)]);
            yield return Case($"softmax {rows}x{n}", new SoftmaxOp(), r => [Rand(r, rows, n)]);
        }
        foreach (var kind in Enum.GetValues<UnaryKind>())
            yield return Case($"unary {kind}", new UnaryOp(kind, 0.7f, -0.2f), r => [Rand(r, 3, 257)]);
        yield return Case("binary add broadcast", new BinaryOp(BinaryKind.Add), r => [Rand(r, 2, 3, 5), Rand(r, 3, 1)]);
        yield return Case("binary div trailing", new BinaryOp(BinaryKind.Div), r => [Rand(r, 4, 7), Rand(r, 7)]);
        yield return Case("binary mul both ways", new BinaryOp(BinaryKind.Mul),
            r => [Rand(r, 5, 1, 3), Rand(r, 1, 4, 3)]);
        yield return Case("group_norm", new GroupNormOp(4, 1e-5f), r => [Rand(r, 2, 8, 3, 5), Rand(r, 8), Rand(r, 8)]);
        yield return Case("group_norm+relu", new GroupNormOp(1, 1e-5f, relu: true),
            r => [Rand(r, 1, 3, 1, 7), Rand(r, 3), Rand(r, 3)]);
        yield return Case("group_norm channels last", new GroupNormOp(4, 1e-5f, channelsLast: true),
            r => [Rand(r, 2, 3, 5, 8), Rand(r, 8), Rand(r, 8)]);
        // Channels first ↔ last (the tiled transpose, tile edges), the innermost axis kept (16-byte units), size-1
        // axes, an order that merges nothing (the general kernel, element by element), bytes.
        yield return Case("permute 4d", new PermuteOp(0, 2, 3, 1), r => [Rand(r, 2, 3, 5, 7)]);
        yield return Case("permute channels last", new PermuteOp(0, 2, 3, 1), r => [Rand(r, 2, 40, 9, 7)]);
        yield return Case("permute channels first", new PermuteOp(0, 3, 1, 2), r => [Rand(r, 1, 33, 2, 70)]);
        yield return Case("permute innermost kept", new PermuteOp(1, 0, 2), r => [Rand(r, 4, 6, 8)]);
        yield return Case("permute innermost kept, odd", new PermuteOp(2, 0, 1, 3), r => [Rand(r, 3, 2, 5, 3)]);
        yield return Case("permute size-1 axes", new PermuteOp(1, 0, 3, 2), r => [Rand(r, 1, 5, 1, 6)]);
        yield return Case("permute nothing merges", new PermuteOp(3, 1, 0, 2), r => [Rand(r, 2, 3, 4, 5)]);
        yield return Case("permute bool", new PermuteOp(1, 0), r => [Mask(r, 0.5, 3, 9)]);
        yield return Case("permute bool general", new PermuteOp(2, 0, 1), r => [Mask(r, 0.5, 3, 4, 5)]);
        // Every form of the epilogue: in the GEMM (bias, bias + ReLU, ReLU, bias + residual, residual, nothing) and in
        // kernels/linear.cu (GELU, sigmoid, tanh, an activation before a residual).
        yield return Case("linear bias", new LinearOp(), r => [Rand(r, 7, 33), Rand(r, 5, 33), Rand(r, 5)]);
        yield return Case("linear relu", new LinearOp(Activation.Relu),
            r => [Rand(r, 2, 4, 17), Rand(r, 13, 17), Rand(r, 13)]);
        yield return Case("linear relu no bias", new LinearOp(Activation.Relu), r => [Rand(r, 3, 9), Rand(r, 6, 9)]);
        yield return Case("linear bias residual", new LinearOp(residual: true),
            r => [Rand(r, 7, 33), Rand(r, 5, 33), Rand(r, 5), Rand(r, 7, 5)]);
        yield return Case("linear residual no bias", new LinearOp(residual: true),
            r => [Rand(r, 2, 3, 9), Rand(r, 4, 9), Rand(r, 2, 3, 4)]);
        yield return Case("linear no bias", new LinearOp(), r => [Rand(r, 1, 3, 9), Rand(r, 4, 9)]);
        yield return Case("linear gelu", new LinearOp(Activation.Gelu),
            r => [Rand(r, 7, 33), Rand(r, 5, 33), Rand(r, 5)]);
        yield return Case("linear sigmoid", new LinearOp(Activation.Sigmoid),
            r => [Rand(r, 5, 12), Rand(r, 3, 12), Rand(r, 3)]);
        yield return Case("linear tanh no bias", new LinearOp(Activation.Tanh), r => [Rand(r, 5, 12), Rand(r, 3, 12)]);
        yield return Case("linear gelu residual", new LinearOp(Activation.Gelu, residual: true),
            r => [Rand(r, 7, 33), Rand(r, 5, 33), Rand(r, 5), Rand(r, 7, 5)]);
        yield return Case("linear relu residual", new LinearOp(Activation.Relu, residual: true),
            r => [Rand(r, 7, 33), Rand(r, 5, 33), Rand(r, 5), Rand(r, 7, 5)]);
        // The pass with blocks of several rows (a partial last one) and columns past one block (a partial last one).
        yield return Case("linear gelu residual many rows", new LinearOp(Activation.Gelu, residual: true),
            r => [Rand(r, 2103, 8), Rand(r, 300, 8), Rand(r, 300), Rand(r, 2103, 300)]);
        // linear_few_rows (at most 256 rows, k a multiple of 32): both tiles, partial column and row tiles, k split
        // (a shorter last range), several blocks before each row tile's LayerNorm; and that epilogue after a GEMM.
        yield return Case("linear few rows gelu", new LinearOp(Activation.Gelu),
            r => [Rand(r, 20, 64), Rand(r, 96, 64), Rand(r, 96)]);
        yield return Case("linear few rows relu residual layer_norm",
            new LinearOp(Activation.Relu, residual: true, normEps: 1e-5f),
            r => [Rand(r, 3, 7, 64), Rand(r, 200, 64), Rand(r, 200), Rand(r, 3, 7, 200), Rand(r, 200), Rand(r, 200)]);
        yield return Case("linear few rows wide tile layer_norm", new LinearOp(residual: true, normEps: 1e-12f),
            r => [Rand(r, 50, 96), Rand(r, 130, 96), Rand(r, 130), Rand(r, 50, 130), Rand(r, 130), Rand(r, 130)]);
        yield return Case("linear few rows row tiles relu residual layer_norm",
            new LinearOp(Activation.Relu, residual: true, normEps: 1e-5f),
            r => [Rand(r, 150, 64), Rand(r, 140, 64), Rand(r, 140), Rand(r, 150, 140), Rand(r, 140), Rand(r, 140)]);
        yield return Case("linear few rows split k residual layer_norm",
            new LinearOp(residual: true, normEps: 1e-5f),
            r => [Rand(r, 20, 544), Rand(r, 96, 544), Rand(r, 96), Rand(r, 20, 96), Rand(r, 96), Rand(r, 96)]);
        yield return Case("linear few rows row tiles split k gelu",
            new LinearOp(Activation.Gelu),
            r => [Rand(r, 100, 1024), Rand(r, 140, 1024), Rand(r, 140)]);
        yield return Case("linear layer_norm after a GEMM", new LinearOp(normEps: 1e-5f),
            r => [Rand(r, 270, 32), Rand(r, 48, 32), Rand(r, 48), Rand(r, 48), Rand(r, 48)]);
        yield return Case("feed_forward few rows gelu residual layer_norm",
            new FeedForwardOp(Activation.Gelu, residual: true, normEps: 1e-5f),
            r => [Rand(r, 20, 64), Rand(r, 256, 64), Rand(r, 256), Rand(r, 64, 256), Rand(r, 64), Rand(r, 20, 64),
                Rand(r, 64), Rand(r, 64)]);
        yield return Case("grouped_linear 3 members", new GroupedLinearOp(),
            r => [Rand(r, 2, 5, 33), Rand(r, 3, 7, 33), Rand(r, 3, 7)]);
        yield return Case("grouped_linear 2 members 64 wide", new GroupedLinearOp(),
            r => [Rand(r, 9, 24), Rand(r, 2, 64, 24), Rand(r, 2, 64)]);
        yield return Case("feed_forward relu", new FeedForwardOp(Activation.Relu),
            r => [Rand(r, 2, 5, 33), Rand(r, 40, 33), Rand(r, 40), Rand(r, 6, 40), Rand(r, 6)]);
        yield return Case("feed_forward relu residual", new FeedForwardOp(Activation.Relu, residual: true),
            r => [Rand(r, 11, 24), Rand(r, 48, 24), Rand(r, 48), Rand(r, 24, 48), Rand(r, 24), Rand(r, 11, 24)]);
        yield return Case("feed_forward gelu residual", new FeedForwardOp(Activation.Gelu, residual: true),
            r => [Rand(r, 13, 9), Rand(r, 70, 9), Rand(r, 70), Rand(r, 9, 70), Rand(r, 9), Rand(r, 13, 9)]);
        yield return Case("matmul transposed", new MatMulOp(transposeB: true, alpha: 0.5f),
            r => [Rand(r, 3, 4, 5), Rand(r, 3, 6, 5)]);
        yield return Case("attention masks", new AttentionOp(4, AttentionScaling.ScaleQuery, true, true),
            r => [Rand(r, 2, 5, 16), Rand(r, 2, 9, 16), Rand(r, 2, 9, 12), Mask(r, 0.3, 2, 9), Rand(r, 5, 9)]);
        yield return Case("attention roberta", new AttentionOp(3, AttentionScaling.ScaleScores),
            r => [Rand(r, 1, 1, 12), Rand(r, 1, 1, 12), Rand(r, 1, 1, 12)]);
        // Every head-dim bound (16, 32, 64, 128), a head dim not a multiple of 4 (scalar staging), keys past a
        // 32-key tile, query rows past one block (64 rows at D = 32).
        yield return Case("attention 70 over 45, heads of 32, masks",
            new AttentionOp(2, AttentionScaling.ScaleQuery, true, true),
            r => [Rand(r, 2, 70, 64), Rand(r, 2, 45, 64), Rand(r, 2, 45, 64), Mask(r, 0.3, 2, 45), Rand(r, 70, 45)]);
        yield return Case("attention roberta 20 words, heads of 64, padding",
            new AttentionOp(2, AttentionScaling.ScaleScores, true),
            r => [Rand(r, 2, 20, 128), Rand(r, 2, 20, 128), Rand(r, 2, 20, 128), Mask(r, 0.2, 2, 20)]);
        yield return Case("attention heads of 128", new AttentionOp(1),
            r => [Rand(r, 1, 3, 128), Rand(r, 1, 40, 128), Rand(r, 1, 40, 128)]);
        yield return Case("attention heads of 5", new AttentionOp(2),
            r => [Rand(r, 1, 7, 10), Rand(r, 1, 33, 10), Rand(r, 1, 33, 10)]);
        yield return Case("slice step", new SliceOp(1, 1, 3, 2), r => [Rand(r, 2, 7, 3)]);
        yield return Case("slice rows of 16 bytes", new SliceOp(1, 2, 3), r => [Rand(r, 3, 7, 4)]);
        yield return Case("concat", new ConcatOp(1), r => [Rand(r, 2, 3, 4), Rand(r, 2, 1, 4), Rand(r, 2, 5, 4)]);
        yield return Case("concat odd rows", new ConcatOp(2),
            r => [Rand(r, 2, 3, 3), Rand(r, 2, 3, 1), Rand(r, 2, 3, 6)]);
        yield return Case("concat of 11 inputs (two launches), one empty", new ConcatOp(1),
            r => [.. Enumerable.Range(0, 11).Select(i => Rand(r, 3, i == 4 ? 0 : 1 + i % 3, 4))]);
        yield return Case("concat bool", new ConcatOp(0), r => [Mask(r, 0.5, 3, 5), Mask(r, 0.5, 1, 5)]);
        yield return Case("cast bool→f32", new CastOp(DType.F32), r => [Mask(r, 0.5, 3, 5)]);
        yield return Case("cast f32→bool", new CastOp(DType.Bool), r => [Rand(r, 17)]);
        yield return Case("cast i64→f32", new CastOp(DType.F32), _ => [Ids()]);
        yield return Case("embedding", new EmbeddingOp(), r => [Rand(r, 5, 7), Ids()]);
        yield return Case("nearest 12x20→23x40", new InterpolateOp(InterpolationMode.Nearest, 23, 40),
            r => [Rand(r, 2, 12, 20)]);
        yield return Case("nearest bool", new InterpolateOp(InterpolationMode.Nearest, 7, 3),
            r => [Mask(r, 0.4, 2, 13, 9)]);
        yield return Case("bilinear", new InterpolateOp(InterpolationMode.BilinearAlignCornersFalse, 11, 6),
            r => [Rand(r, 3, 4, 9)]);
        yield return Case("bilinear align", new InterpolateOp(InterpolationMode.BilinearAlignCornersTrue, 9, 17),
            r => [Rand(r, 1, 5, 9)]);
        // Every channel tile (8, 16, 32, 64 and more than one of 64), the models' forms (3×3 padding 1 at stride 1
        // and 2, 1×1 through the GEMM, the 4×4 stride-4 patch embedding) and one wider padding; pixel tiles (512,
        // 256, 128, 64 pixels) left partial and crossed by image boundaries, K not a multiple of the step, with and
        // without bias; 64 channels in 16-channel tiles (W large next to x: the FPN's first layers).
        yield return Case("conv2d 3x3 s2", new Conv2dOp(2, 1),
            r => [Rand(r, 2, 3, 7, 6), Rand(r, 5, 3, 3, 3), Rand(r, 5)]);
        yield return Case("conv2d 1x1 no bias", new Conv2dOp(), r => [Rand(r, 1, 4, 3, 5), Rand(r, 2, 4, 1, 1)]);
        yield return Case("conv2d 3x3 s1 over 5 frames", new Conv2dOp(1, 1),
            r => [Rand(r, 5, 6, 9, 11), Rand(r, 7, 6, 3, 3), Rand(r, 7)]);
        yield return Case("conv2d 3x3 8 channels over 2 pixel tiles", new Conv2dOp(1, 1),
            r => [Rand(r, 3, 5, 17, 13), Rand(r, 8, 5, 3, 3), Rand(r, 8)]);
        yield return Case("conv2d 3x3 16 channels over 2 pixel tiles, no bias", new Conv2dOp(1, 1),
            r => [Rand(r, 2, 13, 15, 17), Rand(r, 16, 13, 3, 3)]);
        yield return Case("conv2d 4x4 s4 patch embedding over 3 frames", new Conv2dOp(4),
            r => [Rand(r, 3, 3, 36, 44), Rand(r, 24, 3, 4, 4), Rand(r, 24)]);
        yield return Case("conv2d 3x3 s2 70 channels", new Conv2dOp(2, 1),
            r => [Rand(r, 2, 20, 9, 7), Rand(r, 70, 20, 3, 3), Rand(r, 70)]);
        yield return Case("conv2d 1x1 130 channels over 3 frames", new Conv2dOp(),
            r => [Rand(r, 3, 40, 5, 9), Rand(r, 130, 40, 1, 1), Rand(r, 130)]);
        yield return Case("conv2d 3x3 padding 2", new Conv2dOp(1, 2),
            r => [Rand(r, 1, 2, 4, 5), Rand(r, 3, 2, 3, 3), Rand(r, 3)]);
        yield return Case("conv2d 1x1 s2 (implicit GEMM)", new Conv2dOp(2),
            r => [Rand(r, 2, 5, 7, 9), Rand(r, 6, 5, 1, 1), Rand(r, 6)]);
        yield return Case("conv2d 3x3 64 channels in 16-channel tiles", new Conv2dOp(1, 1),
            r => [Rand(r, 1, 32, 12, 20), Rand(r, 64, 32, 3, 3), Rand(r, 64)]);
    }

    private static IEnumerable<KernelParityCase> Backbone()
    {
        yield return Case("pad", new PadOp(0, 1, 0, 3), r => [Rand(r, 2, 3, 1, 5)]);
        var window = new SwinWindow([2, 7, 7], [1, 3, 3]);
        yield return Case("swin_window_partition", new SwinWindowPartitionOp(window), r => [Rand(r, 3, 9, 10, 4)]);
        // The windowed LayerNorm: padding rows in every window group, a thread / a warp / the block per row, scalar
        // rows (C = 7) and rows past the block's registers (C = 2052).
        foreach (var c in new[] { 4, 7, 96, 768, 2052 })
            yield return Case($"swin_window_layer_norm C={c}", new SwinWindowLayerNormOp(1e-5f, window),
                r => [Rand(r, 3, 9, 10, c), Rand(r, c), Rand(r, c)]);
        yield return Case("swin_window_layer_norm unshifted, one window deep",
            new SwinWindowLayerNormOp(1e-5f, new SwinWindow([1, 7, 7], [0, 0, 0])),
            r => [Rand(r, 1, 8, 15, 32), Rand(r, 32), Rand(r, 32)]);
        yield return Case("swin_window_merge", new SwinWindowMergeOp(window, 3, 9, 10), r => [Rand(r, 8, 98, 4)]);
        yield return Case("swin_window_merge residual", new SwinWindowMergeOp(window, 3, 9, 10, residual: true),
            r => [Rand(r, 8, 98, 4), Rand(r, 3, 9, 10, 4)]);
        // Every head-dim bound (8, 16, 32, 64), channels padded to it (dh 4, 5, 24) and dh not a multiple of 4 (scalar
        // staging); shifted (region labels) and regular windows; N past a key tile and past a pass of query rows, and
        // a clipped window (N smaller than the full window's tokens, as upstream slices the index).
        foreach (var (windows, n, heads, c, masked, full) in new[]
                 {
                     (3, 49, 2, 8, true, new[] { 2, 7, 7 }), (2, 7, 1, 5, false, new[] { 2, 2, 2 }),
                     (2, 98, 2, 32, true, new[] { 2, 7, 7 }), (2, 196, 3, 96, true, new[] { 8, 7, 7 }),
                     (1, 37, 1, 64, false, new[] { 1, 7, 7 }), (2, 50, 2, 48, false, new[] { 2, 5, 5 }),
                 })
            yield return Case(
                $"window_attention {windows}x{n}, {heads} heads of {c / heads}{(masked ? ", shifted" : "")}",
                new WindowAttentionOp(heads, masked, full), r =>
                {
                    Tensor[] inputs = [Rand(r, windows, n, 3 * c), Rand(r, heads, WindowAttentionOp.TableRowsOf(full))];
                    return masked ? [.. inputs, Labels(r, windows, n)] : inputs;
                });
        // The window merge in the stores: rows to the tokens of a 3×9×10 volume padded to 4×14×14 (shifted, with the
        // regions) and of an unshifted 1×8×15 one, padding rows dropped; head dims 4 and 32.
        foreach (var (merge, heads, c, full) in new[]
                 {
                     (new SwinWindowMergeOp(window, 3, 9, 10), 2, 8, new[] { 8, 7, 7 }),
                     (new SwinWindowMergeOp(new SwinWindow([1, 7, 7], [0, 0, 0]), 1, 8, 15), 1, 32, new[] { 1, 7, 7 }),
                 })
        {
            bool masked = merge.Window.Shift.Any(s => s > 0);
            int windows = merge.Window.Windows(merge.Depth, merge.Height, merge.Width), n = merge.Window.Tokens;
            yield return Case(
                $"window_attention stores merged into {merge.Depth}×{merge.Height}×{merge.Width}, {merge.Window}",
                new WindowAttentionOp(heads, masked, full, merge), r =>
                {
                    Tensor[] inputs = [Rand(r, windows, n, 3 * c), Rand(r, heads, WindowAttentionOp.TableRowsOf(full))];
                    return masked ? [.. inputs, Labels(r, windows, n)] : inputs;
                });
        }
        yield return Case("patch_merge odd", new PatchMergeOp(), r => [Rand(r, 2, 5, 7, 3)]);
    }

    private static IEnumerable<KernelParityCase> Text()
    {
        yield return Case("roberta_position_ids", new RobertaPositionIdsOp(1), _ => [Ids()]);
        yield return Case("sine 1d", new SinePositionEncodingOp(16, twoDimensional: false), r => [Mask(r, 0.3, 2, 9)]);
        yield return Case("sine 2d", new SinePositionEncodingOp(8, twoDimensional: true), r => [Mask(r, 0.2, 2, 5, 7)]);
    }

    private static IEnumerable<KernelParityCase> Fusion()
    {
        // (batch, target rows, memory tokens, width, heads): one of each; rows past the 128-thread block; keys past the
        // 64-key tile at head dim 32; the wide entry (head dim 40, 16-key tiles); tiny heads without a mask; few rows
        // over many keys, split over blocks and combined (v2p's 20 proxies over 8 heads of 32; the wide entry); few
        // keys, out_proj folded into the values (vlf's visual tokens over 20 words, past one 192-row block; two
        // batches with a part block; Lk·H = E, one full block).
        foreach (var (batch, lq, lk, e, heads, masked) in new[]
                 { (1, 1, 1, 4, 1, true), (2, 131, 7, 24, 2, true), (1, 5, 69, 96, 3, true), (1, 129, 37, 80, 2, true),
                     (1, 3, 9, 16, 8, false),
                   (1, 20, 3000, 256, 8, true), (2, 7, 900, 120, 3, false),
                   (1, 300, 20, 256, 8, true), (2, 200, 3, 24, 2, true), (1, 192, 32, 256, 8, false) })
            yield return Case($"cross_modal_fusion {batch}x{lq} over {lk}, {heads} heads of {e / heads}",
                new CrossModalFusionOp(heads, masked), r =>
            {
                Tensor[] inputs = [Rand(r, batch, lq, e), Rand(r, batch, lk, e), Rand(r, batch, lk, e), Rand(r, e, e),
                    Rand(r, e), Rand(r, batch, lq, e)];
                if (!masked) return inputs;
                var mask = Mask(r, 0.3, batch, lk);
                for (int b = 0; b < batch; b++) mask.Span<byte>()[b * lk] = 0;
                return [.. inputs, mask];
            });
    }

    private static IEnumerable<KernelParityCase> Deformable()
    {
        // Given form (upstream's core): head dim 5 (scalar loads), locations past every border.
        int[][] levels = [[3, 7], [1, 1], [2, 5]];
        yield return Case("ms_deform_attn given, 3 levels × 2 points, D 5", new MsDeformAttnOp(levels),
            r => [Rand(r, 2, 21 + 1 + 10, 2, 5), Uniform(r, -0.2f, 1.2f, 2, 3, 2, 3, 2, 2), Rand(r, 2, 3, 2, 3, 2)]);
        // Fused form: softmax and locations inside; the models' 4 levels × 4 points (unrolled entry) at head dim 32
        // (released models) and 16 (tiny), the run-time entry at 3 levels × 3 points and head dim 5 and 8; 2-d
        // references (encoder) and 4-d boxes (decoder); offsets of a few pixels and references past the borders;
        // every pixel a query (the encoder's self-attention: the kernel takes them by regions of the image, one region
        // for these small levels, 3 × 3 regions, partial at the edges, for the larger ones).
        int[][] four = [[6, 9], [3, 5], [2, 3], [1, 2]], large = [[26, 35], [13, 18], [7, 9], [4, 5]];
        foreach (var (lv, points, heads, d, lq, refDims) in new[]
                 { (four, 4, 8, 32, 5, 2), (four, 4, 8, 32, 3, 4), (four, 4, 4, 16, 7, 2), (levels, 3, 2, 5, 4, 2),
                     (levels, 3, 3, 8, 2, 4), (four, 4, 8, 32, 77, 2), (levels, 3, 2, 5, 32, 2),
                     (large, 4, 2, 32, 1227, 2) })
        {
            int s = lv.Sum(x => x[0] * x[1]), samples = heads * lv.Length * points;
            yield return Case($"ms_deform_attn fused, {lv.Length} levels × {points} points, {heads} heads of {d}, " +
                $"{refDims}-d references" + (lq == s ? ", every pixel a query" : ""),
                new MsDeformAttnOp(lv), r => [Rand(r, 2, s, heads, d), Uniform(r, -3f, 3f, 2, lq, 3 * samples),
                    refDims == 2 ? Uniform(r, -0.1f, 1.1f, 2, lq, lv.Length, 2)
                        : Uniform(r, 0f, 1f, 2, lq, lv.Length, 4)]);
        }
        int[][] two = [[3, 5], [2, 2]];
        yield return Case("valid_ratio", new ValidRatioOp(), r => [Mask(r, 0.3, 3, 4, 6)]);
        yield return Case("deformable_reference_points", new DeformableReferencePointsOp(two),
            r => [Uniform(r, 0.4f, 0.8f, 2, 2, 2)]);
    }

    private static IEnumerable<KernelParityCase> Heads()
    {
        yield return Case("cumulative_mean", new CumulativeMeanOp(), r => [Rand(r, 5, 3, 7)]);
        yield return Case("language_match_score", new LanguageMatchScoreOp(),
            r => [Rand(r, 3, 2, 5, 40), Rand(r, 1, 40)]);
        yield return Case("bmrw", new BmrwOp(), r => [Rand(r, 2, 3, 5), Rand(r, 2, 7, 5)]);
        yield return Case("bmrw 37 queries (more than a warp)", new BmrwOp(),
            r => [Rand(r, 2, 37, 9), Rand(r, 2, 50, 9)]);
        yield return Case("bmrw SOC++ (3 layers, 20 queries, 8 frames)", new BmrwOp(),
            r => [Rand(r, 3, 20, 256), Rand(r, 3, 160, 256)]);
        yield return Case("bmrw rows past shared memory (normalised in the scratch)", new BmrwOp(),
            r => [Rand(r, 1, 40, 320), Rand(r, 1, 30, 320)]);
        foreach (var (n, t, q, c) in new[] { (1, 1, 1, 1), (3, 4, 5, 7), (2, 9, 1, 257) })
            yield return Case($"frame_score_aggregation {n}x{t}x{q}x{c}", new FrameScoreAggregationOp(),
                r => [Rand(r, n, t, q, c), Rand(r, t, n, 1), Rand(r, t, n, 1), Rand(r, t, n, 1)]);
    }

    private static IEnumerable<KernelParityCase> Masks()
    {
        // (frames, queries, feature channels, hidden, layers, h, w): tiny; the released 8 + 2 → 8 → 8 → 1, then with
        // SOC++'s 20 queries over more pixels than a block (512); one layer; the wide entry (24 + 2 inputs, 32 hidden)
        // with more queries than fit shared memory at once (4 of 1,953 parameters).
        foreach (var (t, q, c, hidden, layers, h, w) in new[] { (2, 2, 3, 4, 3, 3, 5), (2, 3, 8, 8, 3, 13, 17),
            (2, 20, 8, 8, 3, 23, 40), (1, 2, 5, 3, 1, 2, 7), (1, 5, 24, 32, 3, 9, 15) })
        {
            var head = new DynamicMaskHeadOp(hidden, layers, imageHeight: 4 * h - 1, imageWidth: 4 * w + 3, stride: 4);
            yield return Case($"dynamic_mask_head {t}x{q}, {c}+2 → {hidden} × {layers} layers, {h}x{w}", head,
                r => [Rand(r, t, c, h, w), Rand(r, t, q, head.ParamCount(c + 2)), Rand(r, t, q, 2)]);
        }
        // (frames, queries, classes): one of each; more queries than the block's threads; many classes over many
        // frames.
        foreach (var (t, q, k) in new[] { (1, 1, 1), (3, 5, 2), (2, 131, 1), (36, 20, 65) })
            yield return Case($"referred_query {t}x{q}x{k}", new ReferredQueryOp(),
                r => [Uniform(r, -6, 6, t, 1, q, k)]);
        // (frames, queries, mask h×w, padded, resized, original): one of each; upsampled and cropped; shrunk below the
        // resized size.
        foreach (var (t, q, mh, mw, padded, resized, original) in new[]
                 { (1, 1, 1, 1, (4, 4), (4, 4), (1, 1)), (3, 5, 7, 9, (28, 36), (25, 33), (50, 67)),
                     (2, 4, 6, 5, (24, 20), (21, 19), (13, 11)) })
            yield return Case($"referred_mask {t}x{q} {mh}x{mw} → {original}",
                new ReferredMaskOp(padded, resized, original),
                r => [Decision(r, t, q), Rand(r, t, 1, q, mh, mw)]);
    }

    /// <summary>A referred_query decision choosing a random query (its scores are not read by referred_mask).</summary>
    private static Tensor Decision(Random r, int frames, int queries)
    {
        var d = Uniform(r, 0, 1, ReferredQueryOp.Length(queries, frames));
        d.Span<float>()[0] = r.Next(queries);
        return d;
    }
}
