using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="CastOp"/>.</summary>
public sealed unsafe class Cast : CpuKernel<CastOp>
{
    protected override void Run(CastOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        for (long i = 0; i < x.Elements; i++)
        {
            double v = x.Type.DType switch
            {
                DType.F32 => ((float*)x.Ptr)[i],
                DType.I64 => ((long*)x.Ptr)[i],
                _ => ((byte*)x.Ptr)[i],
            };
            switch (op.To)
            {
                case DType.F32: ((float*)output.Ptr)[i] = (float)v; break;
                case DType.I64: ((long*)output.Ptr)[i] = (long)v; break;
                default: ((byte*)output.Ptr)[i] = op.To == DType.Bool ? (byte)(v != 0 ? 1 : 0) : (byte)v; break;
            }
        }
    }
}
