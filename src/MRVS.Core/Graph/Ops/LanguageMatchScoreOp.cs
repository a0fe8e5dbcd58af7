using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// NewVOC's language-matching frame score, with upstream's row order: m(t, l) = mean over queries of the cosine
/// (plain L2 norms, no eps) between frame query [t, l, q] and the language query, computed in the order
/// i = t·L + l but read back as i = l·T + t, so out[t′, l′] = sigmoid(m(i div L, i mod L)) with i = l′·T +
/// t′. Inputs: frame queries [T, L, Q, C], language [1, C]. Output [T, L, 1].
/// </summary>
public sealed class LanguageMatchScoreOp : Op
{
    public override string Kind => "language_match_score";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 2, 2, Kind);
        var (f, g) = (inputs[0], inputs[1]);
        Expect(f.DType == DType.F32 && g.DType == DType.F32 && f.Rank == 4 && g.Rank == 2 && g[0] == 1 && g[1] == f[3],
            $"language match score: frame queries {f} / language query {g} must be F32 [T, L, Q, C] / [1, C]");
        return new TensorType(DType.F32, [f[0], f[1], 1]);
    }
}
