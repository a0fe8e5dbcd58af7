using MRVS.Core.Graph;

namespace MRVS.Core.Execution;

/// <summary>
/// A backend's counts of the memory traffic of its work (the CUDA backend on the instrumented emulation,
/// <c>EmulatorCounters</c>), attributed to graph nodes between <see cref="BeginNode"/> and <see cref="EndNode"/>
/// (<see cref="CountingNodeTimer"/>).
/// </summary>
public interface IWorkCounters
{
    /// <summary>The work of each node marked since <see cref="Clear"/>, in order.</summary>
    IReadOnlyList<NodeWork> Nodes { get; }

    void Clear();

    void BeginNode();

    void EndNode(Node node);
}
