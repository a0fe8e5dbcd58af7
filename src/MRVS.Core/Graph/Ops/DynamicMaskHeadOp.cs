using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// CondInst-style dynamic mask head with relative coordinates, per frame t and query q:
/// input channels = [mask features of frame t (C), ref_x·ImageWidth − (Stride·j + Stride/2), ref_y·ImageHeight −
/// (Stride·i + Stride/2)],
/// then <c>Layers</c> per-query 1×1 convs (ReLU between) whose weights and biases come from the query's parameter
/// vector,
/// split as [w0, w1, …, b0, b1, …] with each weight block out-major. Inputs: features [T, C, h, w], params [T, Q, P],
/// reference (cx, cy) [T, Q, 2]. Output: mask logits [T, Q, h, w]. Limits (the CUDA kernel's register-resident
/// activations and grid): C + 2 and the hidden width at most <see cref="MaxWidth"/>, T at most 65535.
/// </summary>
public sealed class DynamicMaskHeadOp(int channels, int layers, int imageHeight, int imageWidth, int stride) : Op
{
    public int Channels { get; } = channels;
    public int Layers { get; } = layers;
    public int ImageHeight { get; } = imageHeight;
    public int ImageWidth { get; } = imageWidth;
    public int Stride { get; } = stride;
    public const int MaxWidth = 32;
    public override string Kind => "dynamic_mask_head";

    /// <summary>
    /// Parameters per query for input width <paramref name="inputChannels"/> (features + 2 coordinates).
    /// </summary>
    public int ParamCount(int inputChannels) => WeightCounts(inputChannels).Sum() + BiasCounts().Sum();

    public int[] WeightCounts(int inputChannels) =>
        Enumerable.Range(0, Layers).Select(l =>
            (l == 0 ? inputChannels : Channels) * (l == Layers - 1 ? 1 : Channels)).ToArray();

    public int[] BiasCounts() => Enumerable.Range(0, Layers).Select(l => l == Layers - 1 ? 1 : Channels).ToArray();

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 3, 3, "dynamic_mask_head");
        var (f, p, r) = (inputs[0], inputs[1], inputs[2]);
        Expect(f.DType == DType.F32 && f.Rank == 4, $"mask features are {f}, expected F32[T, C, h, w]");
        Expect(p.Rank == 3 && p[0] == f[0], $"parameters are {p}, expected [{f[0]}, Q, P]");
        Expect(r.Rank == 3 && r[0] == p[0] && r[1] == p[1] && r[2] == 2,
            $"reference points are {r}, expected [{p[0]}, {p[1]}, 2]");
        Expect(Layers >= 1, $"{Layers} dynamic conv layers");
        Expect(f[1] + 2 <= MaxWidth && Channels <= MaxWidth,
            $"{f[1]} mask feature channels + 2 coordinates and {Channels} hidden channels, the kernel takes at most " +
                $"{MaxWidth} each");
        Expect(p[0] <= 65535, $"{p[0]} frames, the kernel takes at most 65535");
        int need = ParamCount(f[1] + 2);
        Expect(p[2] == need,
            $"{p[2]} dynamic parameters per query, but {f[1]} feature channels + 2 coordinates with {Layers} layers "
                + $"of {Channels} need {need}");
        return new TensorType(DType.F32, [f[0], p[1], f[2], f[3]]);
    }

    /// <summary>The per-pixel 1×1 convolutions of every query: 2 · (weights per query) per output pixel.</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        2 * output.Elements * WeightCounts(inputs[0][1] + 2).Sum();
}
