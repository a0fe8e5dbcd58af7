using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Core.Execution;

/// <summary>
/// One op as a one-node graph on a backend, so shape inference and the executor are exercised too: for tests, kernel
/// checks (<c>mrvs kernels check</c>) and per-op timing.
/// </summary>
public sealed class SingleOp : IDisposable
{
    private const string Output = "out";
    private readonly Executor _executor;
    private readonly Dictionary<string, Tensor> _feeds = [];

    public SingleOp(IBackend backend, Op op, params Tensor[] inputs)
    {
        var g = new ComputeGraph();
        var values = new Value[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            _feeds[$"in{i}"] = inputs[i];
            values[i] = g.Input($"in{i}", inputs[i].DType, inputs[i].Shape);
        }
        g.Tap(Output, g.Add(op, op.Kind, values));
        _executor = new Executor(g, backend);
    }

    public static Tensor Run(IBackend backend, Op op, params Tensor[] inputs)
    {
        using var single = new SingleOp(backend, op, inputs);
        return single.Run();
    }

    public Tensor Run() => _executor.Run(_feeds).Outputs[Output];

    /// <summary>
    /// The median over <paramref name="runs"/> runs (after one warm-up) of the op's own time, as the backend's node
    /// timer measures it: device events on CUDA, the host clock on the CPU.
    /// </summary>
    public double MedianMilliseconds(int runs)
    {
        _executor.Run(_feeds).Outputs[Output].Dispose();
        var times = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            var result = _executor.Run(_feeds, timeNodes: true);
            result.Outputs[Output].Dispose();
            times[r] = result.Timings.Sum(t => t.Milliseconds);
        }
        Array.Sort(times);
        return runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    }

    public void Dispose() => _executor.Dispose();
}
