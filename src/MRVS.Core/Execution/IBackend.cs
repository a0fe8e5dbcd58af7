using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Core.Execution;

/// <summary>
/// Where a graph runs. The executor owns the plan; a backend owns memory and runs one node at a time.
/// Pointers are backend addresses: host addresses on the CPU, device addresses on CUDA.
/// </summary>
public interface IBackend : IDisposable
{
    string Name { get; }

    /// <summary>Allocates the executor's arena of intermediates (aligned to at least 256 bytes).</summary>
    nint AllocateArena(long bytes);
    void FreeArena(nint arena);

    /// <summary>
    /// Makes a constant available to kernels: the host pointer itself on the CPU, a device copy on CUDA.
    /// </summary>
    nint UploadConstant(Tensor tensor);

    /// <summary>
    /// Frees what <see cref="UploadConstant"/> made of a constant no executor will use again (one an executor's graph
    /// passes made, released with the executor); nothing to free where constants are host memory.
    /// </summary>
    void ReleaseConstant(Tensor tensor) { }

    void CopyToDevice(Tensor source, nint destination);
    void CopyToHost(nint source, Tensor destination);

    /// <summary>Runs one node; shapes were validated when the graph was built.</summary>
    void Execute(Node node, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output);

    /// <summary>Waits until every queued operation has finished (a no-op on the CPU).</summary>
    void Synchronize();

    /// <summary>Whether this backend can run the op (used to name unsupported ops before running).</summary>
    bool Supports(Op op);

    /// <summary>The arithmetic of this backend's GEMMs; everything else computes in float32.</summary>
    Precision Precision => Precision.Fp32;

    /// <summary>
    /// The intermediates of a plan this backend stores in another element type than the graph's, with that type (the
    /// CUDA backend keeps a float32 value read only as GEMM operands in its GEMMs' 16-bit type); empty on most
    /// backends. Called once per plan with its schedule and requested outputs (never narrowed: they are copied out as
    /// the graph types them); the executor then passes the stored type in the <see cref="DeviceTensor"/>s of every
    /// node that writes or reads such a value, views included.
    /// </summary>
    IReadOnlyDictionary<Value, DType> StoredTypes(IReadOnlyList<Node> schedule, IReadOnlySet<Value> outputs) =>
        new Dictionary<Value, DType>();

    /// <summary>
    /// The intermediates of a plan this backend keeps twice: as the graph types them and as a copy in another element
    /// type, with the reads that take the copy (the CUDA backend keeps a float32 value that GEMMs and other kernels
    /// both read also in its GEMMs' 16-bit type, written by the producer in the same pass). The executor places each
    /// copy in the value's buffer after the value (<see cref="MemoryPlanner.CopyOffset"/>), passes its address to the
    /// producer (<see cref="DeviceTensor.Copy"/>) and the copy itself to those reads. Called once per plan, after
    /// <see cref="StoredTypes"/>, for the values it left in the graph's type; none on most backends.
    /// </summary>
    StoredCopies StoredCopies(IReadOnlyList<Node> schedule, IReadOnlySet<Value> outputs) => Execution.StoredCopies.None;

    /// <summary>
    /// The memory-traffic counts of this backend's work, where it keeps them (the CUDA backend on the instrumented
    /// emulation); its node timer then attributes the work to nodes. Else null.
    /// </summary>
    IWorkCounters? Counters => null;

    /// <summary>
    /// A timer for the nodes of one run: device events where the backend has them, else the host's stopwatch.
    /// </summary>
    INodeTimer CreateNodeTimer() => new StopwatchNodeTimer(this);

    /// <summary>
    /// Whether <see cref="Capture"/> works; the executor then replays a repeated run instead of dispatching its nodes.
    /// </summary>
    bool CanCapture => false;

    /// <summary>
    /// Records the work <paramref name="enqueue"/> queues (<see cref="Execute"/> calls) without running it, for replay.
    /// Only after the same work has run once, so that every lazily made device resource exists.
    /// </summary>
    ICapturedWork Capture(Action enqueue) =>
        throw new NotSupportedException($"backend '{Name}' cannot capture work for replay");
}
