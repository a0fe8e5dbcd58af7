namespace MRVS.Core.Graph.Ops;

/// <summary>
/// A Video Swin block's norm1 with its window partition: LN(x) · γ + β of every token of x [D, H, W, C], stored in the
/// window order of <see cref="SwinWindowPartitionOp"/> (windows [nW, N, C], padding tokens zero as upstream pads after
/// the norm), made by <see cref="Fusion.SwinWindowLayerNormRule"/>. Inputs: x, γ, β.
/// </summary>
public sealed class SwinWindowLayerNormOp(float eps, SwinWindow window) : Op
{
    public float Eps { get; } = eps;
    public SwinWindow Window { get; } = window;
    public override string Kind => "swin_window_layer_norm";
    public override string Describe() => $"{Kind}({Window})";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 3, 3, Kind);
        var (x, g, b) = (inputs[0], inputs[1], inputs[2]);
        var windows = new SwinWindowPartitionOp(Window).Infer([x]);
        Expect(g.Rank == 1 && g[0] == x[-1] && b.Equals(g), $"γ {g} / β {b} do not match the normalised width {x[-1]}");
        return windows;
    }
}
