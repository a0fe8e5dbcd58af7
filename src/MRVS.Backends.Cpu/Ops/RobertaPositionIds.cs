using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="RobertaPositionIdsOp"/>: one running count per sentence.</summary>
public sealed unsafe class RobertaPositionIds : CpuKernel<RobertaPositionIdsOp>
{
    protected override void Run(RobertaPositionIdsOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        int len = inputs[0].Dim(1);
        long* ids = (long*)inputs[0].Ptr, pos = (long*)output.Ptr;
        CpuParallel.For(inputs[0].Dim(0), b =>
        {
            long count = 0;
            for (long j = b * len; j < (b + 1) * len; j++)
            {
                bool real = ids[j] != op.PadTokenId;
                if (real) count++;
                pos[j] = (real ? count : 0) + op.PadTokenId;
            }
        });
    }
}
