using MRVS.Core.Graph;

namespace MRVS.Core.Execution;

/// <summary>
/// Times the nodes of one run, as the backend can best measure them (<see cref="IBackend.CreateNodeTimer"/>): marks
/// around each node's queued work, read once the run is over.
/// </summary>
public interface INodeTimer : IDisposable
{
    /// <summary>Marks the start of a node's work.</summary>
    void Begin();

    /// <summary>Marks the end of the work queued since <see cref="Begin"/>, as <paramref name="node"/>'s.</summary>
    void End(Node node);

    /// <summary>The time of every node marked, in order; waits for the marked work.</summary>
    IReadOnlyList<NodeTiming> Read();
}
