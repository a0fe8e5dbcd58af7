using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Tests.Support;

/// <summary>Runs one op on the CPU backend through a one-node graph (so shape inference and the executor are exercised
/// too).</summary>
public static class OpRunner
{
    public static Tensor Run(Op op, params Tensor[] inputs) => Run(new CpuBackend(), op, inputs);

    public static Tensor Run(IBackend backend, Op op, params Tensor[] inputs) => SingleOp.Run(backend, op, inputs);

    public static Tensor Random(Random rng, params int[] shape)
    {
        var t = Tensor.Zeros(DType.F32, shape);
        var s = t.Span<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    public static Tensor FromDoubles(double[] values, params int[] shape)
    {
        var t = Tensor.Zeros(DType.F64, shape);
        values.CopyTo(t.Span<double>());
        return t;
    }
}
