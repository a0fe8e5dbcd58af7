using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Cuda;

/// <summary>
/// Each CUDA kernel, run through the CPU emulation of the CUDA backend, against its CPU reference op on fresh random
/// inputs with awkward sizes (1, odd, not multiples of the block).
/// </summary>
public class EmulatedKernelParityTests
{
    private static readonly Random Rng = new(2026);

    private static Tensor Rand(params int[] shape) => Random(Rng, shape);

    private static Tensor Mask(double density, params int[] shape)
    {
        var t = Tensor.Zeros(DType.Bool, shape);
        var s = t.Span<byte>();
        for (int i = 0; i < s.Length; i++) s[i] = (byte)(Rng.NextDouble() < density ? 1 : 0);
        return t;
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, Op op, params Tensor[] inputs) => new TestCaseData(op, inputs).SetName(name);
        foreach (var (rows, n) in new[] { (1, 1), (3, 7), (5, 129), (2, 1000) })
        {
            yield return Case($"layer_norm {rows}x{n}", new LayerNormOp(1e-5f), Rand(rows, n), Rand(n), Rand(n));
            yield return Case($"layer_norm+residual {rows}x{n}", new LayerNormOp(1e-12f, residual: true), Rand(rows, n), Rand(rows, n), Rand(n), Rand(n));
            yield return Case($"softmax {rows}x{n}", new SoftmaxOp(), Rand(rows, n));
        }
        foreach (var kind in Enum.GetValues<UnaryKind>())
            yield return Case($"unary {kind}", new UnaryOp(kind, 0.7f, -0.2f), Rand(3, 257));
        yield return Case("binary add broadcast", new BinaryOp(BinaryKind.Add), Rand(2, 3, 5), Rand(3, 1));
        yield return Case("binary div trailing", new BinaryOp(BinaryKind.Div), Rand(4, 7), Rand(7));
        yield return Case("binary mul both ways", new BinaryOp(BinaryKind.Mul), Rand(5, 1, 3), Rand(1, 4, 3));
        yield return Case("group_norm", new GroupNormOp(4, 1e-5f), Rand(2, 8, 3, 5), Rand(8), Rand(8));
        yield return Case("group_norm+relu", new GroupNormOp(1, 1e-5f, relu: true), Rand(1, 3, 1, 7), Rand(3), Rand(3));
        yield return Case("permute 4d", new PermuteOp(0, 2, 3, 1), Rand(2, 3, 5, 7));
        yield return Case("permute bool", new PermuteOp(1, 0), Mask(0.5, 3, 9));
        yield return Case("linear gelu", new LinearOp(Activation.Gelu), Rand(7, 33), Rand(5, 33), Rand(5));
        yield return Case("linear no bias", new LinearOp(), Rand(1, 3, 9), Rand(4, 9));
        yield return Case("linear gelu residual", new LinearOp(Activation.Gelu, residual: true), Rand(7, 33), Rand(5, 33), Rand(5), Rand(7, 5));
        yield return Case("linear residual no bias", new LinearOp(residual: true), Rand(2, 3, 9), Rand(4, 9), Rand(2, 3, 4));
        yield return Case("feed_forward relu", new FeedForwardOp(Activation.Relu), Rand(2, 5, 33), Rand(40, 33), Rand(40), Rand(6, 40), Rand(6));
        yield return Case("feed_forward gelu residual", new FeedForwardOp(Activation.Gelu, residual: true), Rand(13, 9), Rand(70, 9), Rand(70), Rand(9, 70), Rand(9), Rand(13, 9));
        yield return Case("matmul transposed", new MatMulOp(transposeB: true, alpha: 0.5f), Rand(3, 4, 5), Rand(3, 6, 5));
        yield return Case("attention masks", new AttentionOp(4, AttentionScaling.ScaleQuery, true, true), Rand(2, 5, 16), Rand(2, 9, 16), Rand(2, 9, 12), Mask(0.3, 2, 9), Rand(5, 9));
        yield return Case("attention roberta", new AttentionOp(3, AttentionScaling.ScaleScores), Rand(1, 1, 12), Rand(1, 1, 12), Rand(1, 1, 12));
        var regions = Tensor.Zeros(DType.F32, 3, 49);
        foreach (ref var v in regions.Span<float>()) v = Rng.Next(3);
        yield return Case("window_attention masked", new WindowAttentionOp(2, masked: true), Rand(3, 49, 3 * 8), Rand(2, 49, 49), regions);
        yield return Case("window_attention", new WindowAttentionOp(1, masked: false), Rand(2, 7, 3 * 5), Rand(1, 7, 7));
        int[][] levels = [[3, 7], [1, 1], [2, 5]];
        var loc = Rand(2, 3, 2, 3, 2, 2);
        foreach (ref var v in loc.Span<float>()) v = v * 0.7f + 0.5f;
        yield return Case("ms_deform_attn", new MsDeformAttnOp(levels), Rand(2, 21 + 1 + 10, 2, 5), loc, Rand(2, 3, 2, 3, 2));
        yield return Case("pad", new PadOp(0, 1, 0, 3), Rand(2, 3, 1, 5));
        yield return Case("slice step", new SliceOp(1, 1, 3, 2), Rand(2, 7, 3));
        yield return Case("concat", new ConcatOp(1), Rand(2, 3, 4), Rand(2, 1, 4), Rand(2, 5, 4));
        yield return Case("cast bool→f32", new CastOp(DType.F32), Mask(0.5, 3, 5));
        yield return Case("cast f32→bool", new CastOp(DType.Bool), Rand(17));
        var ids = Tensor.FromSpan<long>([0L, 4L, 2L, 2L, 1L], 1, 5);
        yield return Case("embedding", new EmbeddingOp(), Rand(5, 7), ids);
        yield return Case("cast i64→f32", new CastOp(DType.F32), ids);
        yield return Case("roberta_position_ids", new RobertaPositionIdsOp(1), ids);
        yield return Case("nearest 12x20→23x40", new InterpolateOp(InterpolationMode.Nearest, 23, 40), Rand(2, 12, 20));
        yield return Case("nearest bool", new InterpolateOp(InterpolationMode.Nearest, 7, 3), Mask(0.4, 2, 13, 9));
        yield return Case("bilinear", new InterpolateOp(InterpolationMode.BilinearAlignCornersFalse, 11, 6), Rand(3, 4, 9));
        yield return Case("bilinear align", new InterpolateOp(InterpolationMode.BilinearAlignCornersTrue, 9, 17), Rand(1, 5, 9));
        var window = new SwinWindow([2, 7, 7], [1, 3, 3]);
        yield return Case("swin_window_partition", new SwinWindowPartitionOp(window), Rand(3, 9, 10, 4));
        yield return Case("swin_window_merge", new SwinWindowMergeOp(window, 3, 9, 10), Rand(8, 98, 4));
        yield return Case("swin_window_merge residual", new SwinWindowMergeOp(window, 3, 9, 10, residual: true), Rand(8, 98, 4), Rand(3, 9, 10, 4));
        yield return Case("patch_merge odd", new PatchMergeOp(), Rand(2, 5, 7, 3));
        yield return Case("conv2d 3x3 s2", new Conv2dOp(2, 1), Rand(2, 3, 7, 6), Rand(5, 3, 3, 3), Rand(5));
        yield return Case("conv2d 1x1", new Conv2dOp(), Rand(1, 4, 3, 5), Rand(2, 4, 1, 1));
        yield return Case("sine 1d", new SinePositionEncodingOp(16, twoDimensional: false), Mask(0.3, 2, 9));
        yield return Case("sine 2d", new SinePositionEncodingOp(8, twoDimensional: true), Mask(0.2, 2, 5, 7));
        int[][] two = [[3, 5], [2, 2]];
        yield return Case("sampling locations 2d", new DeformableSamplingLocationsOp(2, 3, two), Rand(2, 4, 24), Rand(2, 4, 2, 2));
        yield return Case("sampling locations 4d", new DeformableSamplingLocationsOp(2, 3, two), Rand(2, 4, 24), Rand(2, 4, 2, 4));
        yield return Case("valid_ratio", new ValidRatioOp(), Mask(0.3, 3, 4, 6));
        var ratios = Rand(2, 2, 2);
        foreach (ref var v in ratios.Span<float>()) v = 0.6f + 0.2f * v;
        yield return Case("deformable_reference_points", new DeformableReferencePointsOp(two), ratios);
        yield return Case("cumulative_mean", new CumulativeMeanOp(), Rand(5, 3, 7));
        var head = new DynamicMaskHeadOp(4, 3, imageHeight: 11, imageWidth: 19, stride: 4);
        yield return Case("dynamic_mask_head", head, Rand(2, 3, 3, 5), Rand(2, 2, head.ParamCount(5)), Rand(2, 2, 2));
        yield return Case("language_match_score", new LanguageMatchScoreOp(), Rand(3, 2, 5, 40), Rand(1, 40));
        yield return Case("bmrw", new BmrwOp(), Rand(2, 3, 5), Rand(2, 7, 5));
        // (batch, target rows, memory tokens, width, heads): one of each; rows past the 128-thread block; keys past the
        // 64-key tile at head dim 32; the wide entry (head dim 40, 16-key tiles); tiny heads without a mask.
        foreach (var (batch, lq, lk, e, heads, masked) in new[] { (1, 1, 1, 4, 1, true), (2, 131, 7, 24, 2, true), (1, 5, 69, 96, 3, true), (1, 129, 37, 80, 2, true), (1, 3, 9, 16, 8, false) })
        {
            var mask = Mask(0.3, batch, lk);
            for (int b = 0; b < batch; b++) mask.Span<byte>()[b * lk] = 0;
            Tensor[] inputs = [Rand(batch, lq, e), Rand(batch, lk, e), Rand(batch, lk, e), Rand(e, e), Rand(e), Rand(batch, lq, e)];
            yield return Case($"cross_modal_fusion {batch}x{lq} over {lk}, {heads} heads of {e / heads}", new CrossModalFusionOp(heads, masked), masked ? [.. inputs, mask] : inputs);
        }
        // (frames, queries, classes, mask h×w, padded, resized, original): one of each; upsampled and cropped; shrunk below the resized size.
        foreach (var (t, q, k, mh, mw, padded, resized, original) in new[]
                 { (1, 1, 1, 1, 1, (4, 4), (4, 4), (1, 1)), (3, 5, 2, 7, 9, (28, 36), (25, 33), (50, 67)), (2, 4, 1, 6, 5, (24, 20), (21, 19), (13, 11)) })
            yield return Case($"referred_mask {t}x{q} {mh}x{mw} → {original}", new ReferredMaskOp(padded, resized, original), Rand(t, 1, q, k), Rand(t, 1, q, mh, mw));
        foreach (var (n, t, q, c) in new[] { (1, 1, 1, 1), (3, 4, 5, 7), (2, 9, 1, 257) })
            yield return Case($"frame_score_aggregation {n}x{t}x{q}x{c}", new FrameScoreAggregationOp(), Rand(n, t, q, c), Rand(t, n, 1), Rand(t, n, 1), Rand(t, n, 1));
    }

    [TestCaseSource(nameof(Cases))]
    public void KernelMatchesCpuReference(Op op, Tensor[] inputs)
    {
        var expected = Run(op, inputs);
        var actual = Run(Emulated(), op, inputs);
        if (expected.DType.IsFloat()) TensorAssert.Close(actual, expected, op.Kind, relativeToScale: 1e-5);
        else TensorAssert.Equal(actual, expected, op.Kind);
    }

    [TestCase("small")]
    [TestCase("tiny-model-shapes")]
    [TestCase("realistic-360x640")]
    public void MsDeformAttnKernelMatchesTheFloat64Reference(string name)
    {
        using var file = SafeTensorsFile.Open(Fixtures.File("ops/msda", $"{name}.safetensors"));
        var s = file.Get("spatial_shapes").Span<long>().ToArray();
        var levels = Enumerable.Range(0, s.Length / 2).Select(l => new[] { (int)s[2 * l], (int)s[2 * l + 1] }).ToArray();
        var y = Run(Emulated(), new MsDeformAttnOp(levels), file.Get("value"), file.Get("sampling_locations"), file.Get("attention_weights"));
        using var expected = file.Get("output_f64");
        Assert.That(TensorAssert.MaxAbsDiff(y, expected), Is.LessThanOrEqualTo(2e-5 * Math.Max(1, expected.ToDoubleArray().Max(Math.Abs))));
    }

    private static CudaBackend Emulated()
    {
        if (EmulatedDevice.FindLibrary() is null)
            Assert.Ignore($"skipped: {EmulatedDevice.LibraryName} not built (tools/ci/build-kernels-emu.sh)");
        return new CudaBackend(new EmulatedDevice());
    }
}
