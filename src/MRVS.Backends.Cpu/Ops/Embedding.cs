using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="EmbeddingOp"/>.</summary>
public sealed unsafe class Embedding : CpuKernel<EmbeddingOp>
{
    protected override void Run(EmbeddingOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (table, ids) = (inputs[0], inputs[1]);
        int vocab = table.Dim(0), e = table.Dim(1);
        long* id = (long*)ids.Ptr;
        for (long i = 0; i < ids.Elements; i++)
        {
            if (id[i] < 0 || id[i] >= vocab)
                throw new ArgumentOutOfRangeException(nameof(inputs),
                    $"token id {id[i]} at position {i} is outside the vocabulary of {vocab}");
            new ReadOnlySpan<float>((float*)table.Ptr + id[i] * e,
                e).CopyTo(new Span<float>((float*)output.Ptr + i * e, e));
        }
    }
}
