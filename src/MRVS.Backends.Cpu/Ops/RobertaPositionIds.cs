using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="RobertaPositionIdsOp"/>.</summary>
public sealed unsafe class RobertaPositionIds : CpuKernel<RobertaPositionIdsOp>
{
    protected override void Run(RobertaPositionIdsOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        int batch = inputs[0].Dim(0), len = inputs[0].Dim(1);
        long* ids = (long*)inputs[0].Ptr, pos = (long*)output.Ptr;
        for (int b = 0; b < batch; b++)
        {
            long count = 0;
            for (int j = 0; j < len; j++)
            {
                bool real = ids[b * len + j] != op.PadTokenId;
                if (real) count++;
                pos[b * len + j] = (real ? count : 0) + op.PadTokenId;
            }
        }
    }
}
