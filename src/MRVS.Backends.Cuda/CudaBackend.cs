using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda;

/// <summary>
/// Runs graphs on an <see cref="IGpuDevice"/>: the GPU (`cuda`) or its CPU emulation (`cuda-emu`). One device
/// allocation holds each executor's arena; constants are uploaded once per backend, whichever executors use them
/// (<see cref="DeviceConstants"/>); each node becomes kernel launches and/or a GEMM (<see cref="KernelLaunches"/>),
/// GEMMs in the backend's <see cref="Precision"/> (<see cref="PrecisionGemm"/>). Nodes are timed with device events,
/// and repeated runs are replayed from a captured graph. Ops without a kernel yet are reported by <see
/// cref="Supports"/>.
/// </summary>
public sealed class CudaBackend : IBackend
{
    private readonly IGpuDevice _device;
    private readonly DeviceConstants _constants;
    private readonly PrecisionGemm _gemm;
    private readonly KernelLaunches _launches;

    /// <param name="graphs">
    /// Replay repeated runs from a captured graph (<see cref="CanCapture"/>); false launches every node every run.
    /// </param>
    public CudaBackend(IGpuDevice device, Precision precision = Precision.Fp32, bool graphs = true)
    {
        _device = device;
        CanCapture = graphs;
        _constants = new DeviceConstants(device);
        _gemm = new PrecisionGemm(device, precision, _constants);
        _launches = new KernelLaunches(device, _gemm);
    }

    public string Name => _device.Name;
    public IGpuDevice Device => _device;
    public Precision Precision => _gemm.Precision;

    public nint AllocateArena(long bytes) => _device.Allocate(bytes);
    public void FreeArena(nint arena) => _device.Free(arena);
    public nint UploadConstant(Tensor tensor) => _constants.Upload(tensor);
    public void ReleaseConstant(Tensor tensor) => _constants.Release(tensor);
    public void CopyToDevice(Tensor source, nint destination) => _device.CopyToDevice(source.Bytes, destination);

    public unsafe void CopyToHost(nint source, Tensor destination) =>
        _device.CopyToHost(source, new Span<byte>((void*)destination.Data, checked((int)destination.ByteLength)));

    public void Synchronize() => _device.Synchronize();
    public bool Supports(Op op) => op.IsView || KernelLaunches.Supports(op);
    public void Execute(Node node, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output) =>
        _launches.Run(node, inputs, output);
    public IWorkCounters? Counters => _device.Counters;

    public IReadOnlyDictionary<Value, DType> StoredTypes(IReadOnlyList<Node> schedule, IReadOnlySet<Value> outputs) =>
        NarrowedActivations.Plan(schedule, outputs, _gemm.Operands);

    public StoredCopies StoredCopies(IReadOnlyList<Node> schedule, IReadOnlySet<Value> outputs) =>
        NarrowedActivations.Copies(schedule, outputs, _gemm.Operands);

    /// <summary>Device events; where the device counts (<see cref="Counters"/>), also the work of each node.</summary>
    public INodeTimer CreateNodeTimer()
    {
        var events = new EventNodeTimer(_device);
        return Counters is { } counters ? new CountingNodeTimer(events, counters) : events;
    }
    public bool CanCapture { get; }
    public ICapturedWork Capture(Action enqueue) => _device.Capture(enqueue);

    public void Dispose()
    {
        _launches.Dispose();
        _gemm.Dispose();
        _constants.Dispose();
        _device.Dispose();
    }
}
