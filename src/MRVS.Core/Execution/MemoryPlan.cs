using MRVS.Core.Graph;

namespace MRVS.Core.Execution;

/// <summary>
/// Arena placement of one buffer: byte offset and the node interval [First, Last] during which it is live.
/// </summary>
public readonly record struct BufferPlacement(Value Value, long Offset, long Bytes, int First, int Last);

/// <summary>
/// The result of planning: the nodes to run (pruned to what the requested outputs need, in order) and where
/// every runtime buffer (inputs and node outputs that are not views) lives in one arena.
/// </summary>
public sealed class MemoryPlan
{
    internal MemoryPlan(IReadOnlyList<Node> schedule, IReadOnlyDictionary<Value, BufferPlacement> buffers,
        long arenaBytes)
    {
        Schedule = schedule;
        Buffers = buffers;
        ArenaBytes = arenaBytes;
    }

    public IReadOnlyList<Node> Schedule { get; }
    public IReadOnlyDictionary<Value, BufferPlacement> Buffers { get; }

    /// <summary>Peak bytes of intermediates: the arena size.</summary>
    public long ArenaBytes { get; }
}
