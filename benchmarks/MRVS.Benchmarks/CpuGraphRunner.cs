using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Fusion;

namespace MRVS.Benchmarks;

/// <summary>
/// Runs a small graph's nodes on the CPU backend as the executor would after its fusion pass, but with the inputs as
/// constants and nothing copied to or from the host, so that a benchmark times the kernels alone.
/// </summary>
internal sealed class CpuGraphRunner : IDisposable
{
    private readonly CpuBackend _backend = new();
    private readonly MemoryPlan _plan;
    private readonly Dictionary<Value, nint> _addresses = [];
    private readonly nint _arena;

    public CpuGraphRunner(ComputeGraph graph, string output)
    {
        var original = graph.Taps[output];
        var fusion = GraphFusion.Apply(graph, [original]);
        var result = fusion[original];
        _plan = MemoryPlanner.Plan(fusion.Graph, [result]);
        _arena = _backend.AllocateArena(Math.Max(_plan.ArenaBytes, MemoryPlanner.Alignment));
        foreach (var n in _plan.Schedule)
            foreach (var v in n.Inputs.Append(n.Output))
            {
                var root = MemoryPlanner.Root(v);
                _addresses[v] = root.Kind == ValueKind.Constant ? _backend.UploadConstant(root.Constant!) : _arena
                    + (nint)_plan.Buffers[root].Offset;
            }
    }

    /// <summary>
    /// The nodes that run, fused ("linear+Gelu+residual" where the pass fused a Linear, its activation and an add).
    /// </summary>
    public string Describe() => string.Join(", ", _plan.Schedule.Where(n => !n.Op.IsView).Select(n => n.Op.Describe()));

    public void Run()
    {
        Span<DeviceTensor> args = new DeviceTensor[8];
        foreach (var n in _plan.Schedule)
        {
            if (n.Op.IsView) continue;
            var ins = args[..n.Inputs.Count];
            for (int i = 0; i < ins.Length; i++) ins[i] = new DeviceTensor(_addresses[n.Inputs[i]], n.Inputs[i].Type);
            _backend.Execute(n, ins, new DeviceTensor(_addresses[n.Output], n.Output.Type));
        }
    }

    public void Dispose()
    {
        _backend.FreeArena(_arena);
        _backend.Dispose();
    }
}
