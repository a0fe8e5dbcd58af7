using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Hugging Face RoBERTa position ids from token ids: cumsum(ids ≠ pad)·(ids ≠ pad) + pad (first real token →
/// pad + 1).
/// </summary>
public sealed class RobertaPositionIdsOp(int padTokenId) : Op
{
    public int PadTokenId { get; } = padTokenId;
    public override string Kind => "roberta_position_ids";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        Expect(inputs[0].DType == DType.I64 && inputs[0].Rank == 2, $"ids are {inputs[0]}, expected I64[B, L]");
        return inputs[0];
    }
}
