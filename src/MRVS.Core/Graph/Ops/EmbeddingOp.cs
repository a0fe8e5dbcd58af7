using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>Row gather: table [V, E], ids I64 [...] → [..., E]. Ids are checked against V when the op runs.</summary>
public sealed class EmbeddingOp : Op
{
    public override string Kind => "embedding";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 2, 2, "embedding");
        var (table, ids) = (inputs[0], inputs[1]);
        Expect(table.Rank == 2 && table.DType == DType.F32, $"table is {table}, expected F32[V, E]");
        ExpectDType(ids, DType.I64, "ids");
        return new TensorType(DType.F32, [.. ids.Shape, table[1]]);
    }

    /// <summary>Of the table, only the rows gathered: at most the output's bytes.</summary>
    public override long BytesRead(int index, IReadOnlyList<TensorType> inputs, TensorType output) =>
        index == 0 ? Math.Min(inputs[0].Bytes, output.Bytes) : inputs[index].Bytes;
}
