using MRVS.Core.Graph;

namespace MRVS.Core.Execution;

/// <summary>
/// A node timer that also attributes the counted device work between its marks to the node
/// (<see cref="IWorkCounters"/>).
/// </summary>
public sealed class CountingNodeTimer(INodeTimer timer, IWorkCounters counters) : INodeTimer
{
    public void Begin()
    {
        timer.Begin();
        counters.BeginNode();
    }

    public void End(Node node)
    {
        timer.End(node);
        counters.EndNode(node);
    }

    public IReadOnlyList<NodeTiming> Read() => timer.Read();

    public void Dispose() => timer.Dispose();
}
