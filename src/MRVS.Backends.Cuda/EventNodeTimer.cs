using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;

namespace MRVS.Backends.Cuda;

/// <summary>
/// Node times from events recorded on the device's stream around each node's work: nothing waits between nodes, so
/// the run keeps its pace and each time is the device's own; the events are read once, after the run.
/// </summary>
internal sealed class EventNodeTimer(IGpuDevice device) : INodeTimer
{
    private readonly List<(Node Node, IGpuEvent Start, IGpuEvent End)> _marks = [];
    private IGpuEvent? _start;

    public void Begin()
    {
        _start?.Dispose();
        _start = device.RecordEvent();
    }

    public void End(Node node)
    {
        var start = _start ?? throw new InvalidOperationException($"{node.Name}: End without Begin");
        _start = null;
        _marks.Add((node, start, device.RecordEvent()));
    }

    public IReadOnlyList<NodeTiming> Read()
    {
        device.Synchronize();
        return _marks.Select(m => new NodeTiming(m.Node.Name, m.Node.Op.Kind, m.End.MillisecondsSince(m.Start)))
            .ToList();
    }

    public void Dispose()
    {
        _start?.Dispose();
        _start = null;
        foreach (var (_, start, end) in _marks)
        {
            start.Dispose();
            end.Dispose();
        }
        _marks.Clear();
    }
}
