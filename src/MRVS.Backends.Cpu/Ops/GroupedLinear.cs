using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="GroupedLinearOp"/>: each member's GEMM with its addend and bias in the epilogue, into
/// its block of the stacked output: the member's Linear to the bit (the same GEMM of the same rows and columns).
/// </summary>
public sealed unsafe class GroupedLinear : CpuKernel<GroupedLinearOp>
{
    protected override void Run(GroupedLinearOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (x, w, b) = (inputs[0], inputs[1], inputs[2]);
        int members = w.Dim(0), n = w.Dim(1), k = w.Dim(2);
        int m = (int)(x.Elements / k);
        for (int g = 0; g < members; g++)
        {
            nint addend = inputs.Length == 4 ? inputs[3].Ptr + (nint)((long)g * m * n * sizeof(float)) : 0;
            Gemm.Run((float*)x.Ptr, (float*)w.Ptr + (long)g * n * k, (float*)output.Ptr + (long)g * m * n, m, n, k,
                transposeB: true, epilogue: new GemmEpilogue(b.Ptr + g * n * sizeof(float), default, addend, n));
        }
    }
}
