using System.Diagnostics;
using MRVS.Core.Graph;

namespace MRVS.Core.Execution;

/// <summary>
/// Host wall time of each node, the backend synchronised before and after it: the timer of backends without device
/// clocks.
/// </summary>
public sealed class StopwatchNodeTimer(IBackend backend) : INodeTimer
{
    private readonly Stopwatch _watch = new();
    private readonly List<NodeTiming> _timings = [];

    public void Begin()
    {
        backend.Synchronize();
        _watch.Restart();
    }

    public void End(Node node)
    {
        backend.Synchronize();
        _timings.Add(new NodeTiming(node.Name, node.Op.Kind, _watch.Elapsed.TotalMilliseconds));
    }

    public IReadOnlyList<NodeTiming> Read() => _timings;

    public void Dispose() { }
}
