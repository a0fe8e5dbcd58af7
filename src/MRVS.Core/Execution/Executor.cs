using MRVS.Core.Errors;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Fusion;
using MRVS.Core.Limits;
using MRVS.Core.Tensors;

namespace MRVS.Core.Execution;

/// <summary>
/// Runs a graph on a backend: rewrites it (<see cref="GraphRewrite"/>: constant folding, run once on this backend, then
/// the graph-level fusion pass), plans the arena once for the requested outputs, uploads constants once, and on each
/// run feeds the inputs, executes the schedule and copies the requested outputs to the host. On a backend
/// that can capture work (<see cref="IBackend.CanCapture"/>) the second run records the schedule and every later
/// run replays the recording instead of dispatching node by node; outputs then live to the end of the schedule and
/// are copied out after it, since a recording cannot copy to the host midway. Elsewhere each output is copied out
/// as soon as it is produced. Not thread-safe: one run at a time per executor.
/// </summary>
public sealed class Executor : IDisposable
{
    private readonly ComputeGraph _graph;
    private readonly IBackend _backend;
    private readonly Dictionary<Value, nint> _constants = [];
    private readonly Dictionary<Value, List<string>> _outputsByValue = [];
    private readonly IReadOnlyDictionary<Value, DType> _storedTypes;
    private readonly StoredCopies _copies;
    private readonly bool _replays;
    private nint _arena;
    private int _dispatchedRuns;
    private ICapturedWork? _recording;

    public MemoryPlan Plan { get; }
    public IBackend Backend => _backend;

    /// <summary>The graph rewrites the executor applied (<see cref="GraphPasses"/>).</summary>
    public GraphRewrite Rewrite { get; }

    /// <param name="outputs">Tap names to produce; null for every tap of the graph.</param>
    /// <param name="maxArenaBytes">The most the arena may take (<see cref="ResourceLimits.MaxArenaBytes"/>); checked
    /// before allocating.</param>
    /// <param name="passes">The graph rewrites to run first (on every backend): <see cref="ConstantFolding"/>, whose
    /// nodes run here once, on this backend, then <see cref="GraphFusion"/>. Requested outputs are never fused
    /// away.</param>
    public Executor(ComputeGraph graph, IBackend backend, IEnumerable<string>? outputs = null,
        long maxArenaBytes = long.MaxValue, GraphPasses passes = GraphPasses.All)
    {
        _backend = backend;
        var requested = new List<(string Name, Value Value)>();
        foreach (var name in outputs ?? graph.TapNames)
        {
            if (!graph.Taps.TryGetValue(name, out var v))
                throw new ArgumentException($"the graph has no output named '{name}'");
            requested.Add((name, v));
        }
        Rewrite = GraphRewrite.Apply(graph, requested.Select(r => r.Value).Distinct().ToList(), passes, backend,
            maxArenaBytes);
        graph = Rewrite.Graph;
        requested = requested.Select(r => (r.Name, Rewrite[r.Value])).ToList();
        _graph = graph;
        foreach (var (name, v) in requested)
        {
            if (!_outputsByValue.TryGetValue(v, out var names)) _outputsByValue[v] = names = [];
            names.Add(name);
        }
        _replays = backend.CanCapture;
        Plan = MemoryPlanner.Plan(graph, _outputsByValue.Keys, keepOutputs: _replays);
        var requestedValues = _outputsByValue.Keys.ToHashSet();
        _storedTypes = backend.StoredTypes(Plan.Schedule, requestedValues);
        _copies = backend.StoredCopies(Plan.Schedule, requestedValues);
        // The same schedule again, each buffer with room for its value's copy.
        if (_copies.Types.Count > 0)
            Plan = MemoryPlanner.Plan(graph, _outputsByValue.Keys, keepOutputs: _replays, _copies.Types);
        var unsupported = Plan.Schedule.Where(n => !backend.Supports(n.Op)).GroupBy(n => n.Op.Kind).Select(g =>
            $"{g.Key} (e.g. {g.First().Name})").ToList();
        if (unsupported.Count > 0)
            throw new NotSupportedException($"backend '{backend.Name}' has no kernel for {unsupported.Count} op "
                + $"kind(s): {string.Join(", ", unsupported)}");
        // Host tensors are spans: one over 2 GiB cannot be fed or copied out.
        foreach (var (name, v) in graph.Inputs.Concat(graph.Taps.Where(t => _outputsByValue.ContainsKey(t.Value))))
            if (v.Type.Bytes > int.MaxValue)
                throw new MrvsException(MrvsErrorKind.ResourceLimit,
                    $"'{name}' {v.Type} is {ErrorText.Bytes(v.Type.Bytes)}, more than the 2 GiB a host tensor holds");
        if (Plan.ArenaBytes > maxArenaBytes)
            throw ResourceLimits.Exceeded($"the forward needs {ErrorText.Bytes(Plan.ArenaBytes)} for its intermediates",
                nameof(ResourceLimits.MaxArenaBytes), ErrorText.Bytes(maxArenaBytes));
        _arena = backend.AllocateArena(Math.Max(Plan.ArenaBytes, MemoryPlanner.Alignment));
        foreach (var n in Plan.Schedule)
            foreach (var i in n.Inputs)
                if (i.Kind == ValueKind.Constant && !_constants.ContainsKey(i))
                    _constants[i] = backend.UploadConstant(i.Constant!);
    }

    public sealed record Result(IReadOnlyDictionary<string, Tensor> Outputs, IReadOnlyList<NodeTiming> Timings);

    /// <param name="timeNodes">Time every node (<see cref="IBackend.CreateNodeTimer"/>); such a run is dispatched node
    /// by node.</param>
    public Result Run(IReadOnlyDictionary<string, Tensor> inputs, bool timeNodes = false,
        CancellationToken cancel = default)
    {
        ObjectDisposedException.ThrowIf(_arena == 0, this);
        foreach (var (name, v) in _graph.Inputs)
        {
            if (!Plan.Buffers.ContainsKey(v)) continue;
            if (!inputs.TryGetValue(name, out var t))
                throw new ArgumentException($"missing graph input '{name}' ({v.Type})");
            if (t.DType != v.DType || !t.Shape.AsSpan().SequenceEqual(v.Shape))
                throw new ArgumentException($"graph input '{name}' is {t}, expected {v.Type}");
            _backend.CopyToDevice(t, Address(v));
        }
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        // Inputs and constants are copied out before any node can reuse an input's memory.
        foreach (var (v, names) in _outputsByValue)
            if (v.Producer is null) CopyOut(v, names, outputs);
        using var timer = timeNodes ? _backend.CreateNodeTimer() : null;
        cancel.ThrowIfCancellationRequested();
        if (timer is null && _replays && _dispatchedRuns > 0)
        {
            _recording ??= _backend.Capture(() => Dispatch(null, null, cancel));
            _recording.Replay();
        }
        else
        {
            Dispatch(timer, _replays ? null : outputs, cancel);
            _dispatchedRuns++;
        }
        if (_replays)
            foreach (var (v, names) in _outputsByValue)
                if (v.Producer is not null) CopyOut(v, names, outputs);
        _backend.Synchronize();
        return new Result(outputs, timer?.Read() ?? []);
    }

    /// <summary>
    /// Queues every node of the schedule; with <paramref name="outputs"/>, copies each requested output out once
    /// produced.
    /// </summary>
    private void Dispatch(INodeTimer? timer, Dictionary<string, Tensor>? outputs, CancellationToken cancel)
    {
        Span<DeviceTensor> args = new DeviceTensor[16];
        foreach (var n in Plan.Schedule)
        {
            cancel.ThrowIfCancellationRequested();
            if (!n.Op.IsView)
            {
                var ins = n.Inputs.Count <= args.Length ? args[..n.Inputs.Count] : new DeviceTensor[n.Inputs.Count];
                for (int i = 0; i < n.Inputs.Count; i++)
                    ins[i] = _copies.Reads.Contains((n, i)) ? CopyOnDevice(n.Inputs[i]) : OnDevice(n.Inputs[i]);
                timer?.Begin();
                var output = OnDevice(n.Output);
                if (_copies.Types.ContainsKey(MemoryPlanner.Root(n.Output)))
                    output = output with { Copy = CopyOnDevice(n.Output).Ptr };
                _backend.Execute(n, ins, output);
                timer?.End(n);
            }
            if (outputs is not null && _outputsByValue.TryGetValue(n.Output, out var names))
                CopyOut(n.Output, names, outputs);
        }
    }

    private void CopyOut(Value v, List<string> names, Dictionary<string, Tensor> outputs)
    {
        var host = Tensor.Zeros(v.DType, v.Shape);
        if (v.Kind == ValueKind.Constant) v.Constant!.Bytes.CopyTo(HostSpan(host));
        else _backend.CopyToHost(Address(v), host);
        outputs[names[0]] = host;
        for (int i = 1; i < names.Count; i++) outputs[names[i]] = host.Reshaped(host.Shape);
    }

    private static unsafe Span<byte> HostSpan(Tensor t) => new((void*)t.Data, checked((int)t.ByteLength));

    /// <summary>The value's memory as the backend stores it (<see cref="IBackend.StoredTypes"/>).</summary>
    private DeviceTensor OnDevice(Value v) => new(Address(v),
        _storedTypes.TryGetValue(MemoryPlanner.Root(v), out var stored) ? v.Type with { DType = stored } : v.Type);

    /// <summary>The value's copy (<see cref="IBackend.StoredCopies"/>): a view's part of its root's copy.</summary>
    private DeviceTensor CopyOnDevice(Value v)
    {
        var (root, offset) = MemoryPlanner.Locate(v);
        var type = _copies.Types[root];
        long start = Plan.Buffers[root].Offset + MemoryPlanner.CopyOffset(root)
            + offset / root.DType.Size() * type.Size();
        return new DeviceTensor(_arena + (nint)start, v.Type with { DType = type });
    }

    private nint Address(Value v)
    {
        if (v.Kind == ValueKind.Constant) return _constants[v];
        var (root, offset) = MemoryPlanner.Locate(v);
        if (root.Kind == ValueKind.Constant) return _constants[root] + (nint)offset;
        return _arena + (nint)(Plan.Buffers[root].Offset + offset);
    }

    public void Dispose()
    {
        _recording?.Dispose();
        _recording = null;
        if (_arena != 0) { _backend.FreeArena(_arena); _arena = 0; }
        foreach (var t in Rewrite.OwnedConstants) _backend.ReleaseConstant(t);
        Rewrite.Dispose();
    }
}
