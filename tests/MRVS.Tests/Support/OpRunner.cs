using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Tests.Support;

/// <summary>Runs one op on the CPU backend through a one-node graph (so shape inference and the executor are exercised too).</summary>
public static class OpRunner
{
    public static Tensor Run(Op op, params Tensor[] inputs) => Run(new CpuBackend(), op, inputs);

    public static Tensor Run(IBackend backend, Op op, params Tensor[] inputs)
    {
        var g = new ComputeGraph();
        var feeds = new Dictionary<string, Tensor>();
        var values = inputs.Select((t, i) =>
        {
            feeds[$"in{i}"] = t;
            return g.Input($"in{i}", t.DType, t.Shape);
        }).ToArray();
        g.Tap("out", g.Add(op, "op", values));
        using var ex = new Executor(g, backend);
        return ex.Run(feeds).Outputs["out"];
    }

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
