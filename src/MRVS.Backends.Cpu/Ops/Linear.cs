using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="LinearOp"/>: one GEMM against the [out, in] weight, with bias, activation and residual
/// in its epilogue (applied to each output tile while it is in cache, in the order of the unfused ops), then the
/// LayerNorm of the output rows when the op has one.
/// </summary>
public sealed unsafe class Linear : CpuKernel<LinearOp>
{
    protected override void Run(LinearOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (x, w) = (inputs[0], inputs[1]);
        int k = w.Dim(1), n = w.Dim(0);
        int m = (int)(x.Elements / k);
        nint bias = op.HasBias(inputs.Length) ? inputs[2].Ptr : 0;
        nint residual = op.HasResidual ? inputs[op.ResidualIndex(inputs.Length)].Ptr : 0;
        var epilogue = new GemmEpilogue(bias, op.Activation, residual, n);
        Gemm.Run((float*)x.Ptr, (float*)w.Ptr, (float*)output.Ptr, m, n, k, transposeB: true, epilogue: epilogue);
        if (op.NormEps is { } eps) LayerNorm.Rows(output.Ptr, 0, output.Ptr, inputs[^2].Ptr, inputs[^1].Ptr, m, n, eps);
    }
}
