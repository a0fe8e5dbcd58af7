using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="CumulativeMeanOp"/>.</summary>
public sealed unsafe class CumulativeMean : CpuKernel<CumulativeMeanOp>
{
    protected override void Run(CumulativeMeanOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        int t = inputs[0].Dim(0);
        long inner = inputs[0].Elements / Math.Max(t, 1);
        nint px = inputs[0].Ptr, py = output.Ptr;
        CpuParallel.For(inner, j =>
        {
            double sum = 0;
            for (int i = 0; i < t; i++)
            {
                sum += ((float*)px)[i * inner + j];
                ((float*)py)[i * inner + j] = (float)sum / (i + 1);
            }
        }, minPerThread: 1024);
    }
}
