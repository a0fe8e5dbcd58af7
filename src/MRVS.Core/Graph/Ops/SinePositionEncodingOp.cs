using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Normalised sine position encodings from a padding mask (True = padded), upstream position_encoding.py:
/// 1-D (text): Bool [B, L] → [B, F, L], x = c / (c_last + 1e-6) · 2π with c the 1-based count of valid tokens;
/// 2-D (visual): Bool [N, h, w] → [N, 2F, h, w], (c − 0.5) / (c_last + 1e-6) · 2π per axis, y channels first.
/// Channel 2m is sin(x / 10000^(2m/F)), channel 2m + 1 is cos(x / 10000^(2m/F)); everything in float32.
/// </summary>
public sealed class SinePositionEncodingOp(int numPosFeats, bool twoDimensional) : Op
{
    public int NumPosFeats { get; } = numPosFeats;
    public bool TwoDimensional { get; } = twoDimensional;
    public override string Kind => "sine_position_encoding";
    public override string Describe() => $"{Kind}_{(TwoDimensional ? "2d" : "1d")}";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        var m = inputs[0];
        Expect(m.DType == DType.Bool && m.Rank == (TwoDimensional ? 3 : 2),
            $"mask is {m}, expected Bool[{(TwoDimensional ? "N, h, w" : "B, L")}]");
        Expect(NumPosFeats % 2 == 0, $"{NumPosFeats} position features is odd");
        return TwoDimensional
            ? new TensorType(DType.F32, [m[0], 2 * NumPosFeats, m[1], m[2]])
            : new TensorType(DType.F32, [m[0], NumPosFeats, m[1]]);
    }
}
