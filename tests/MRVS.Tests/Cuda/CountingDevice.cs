using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Tensors;

namespace MRVS.Tests.Cuda;

/// <summary>
/// A device that forwards everything to another and counts allocations, frees and uploads (bytes per upload), and
/// records GEMM types and launches (kernel and block).
/// </summary>
internal sealed class CountingDevice(IGpuDevice inner) : IGpuDevice
{
    public int Allocations { get; private set; }
    public int Frees { get; private set; }
    public List<int> UploadBytes { get; } = [];
    public List<(DType Inputs, DType Output)> Gemms { get; } = [];
    public List<(string Kernel, Dim3 Block)> Launches { get; } = [];

    public string Name => inner.Name;

    public nint Allocate(long bytes)
    {
        Allocations++;
        return inner.Allocate(bytes);
    }

    public void Free(nint pointer)
    {
        Frees++;
        inner.Free(pointer);
    }

    public void CopyToDevice(ReadOnlySpan<byte> source, nint destination)
    {
        UploadBytes.Add(source.Length);
        inner.CopyToDevice(source, destination);
    }

    public void CopyToHost(nint source, Span<byte> destination) => inner.CopyToHost(source, destination);
    public void CopyOnDevice(nint source, nint destination, long bytes) =>
        inner.CopyOnDevice(source, destination, bytes);
    public void Fill(nint destination, byte value, long bytes) => inner.Fill(destination, value, bytes);
    public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args)
    {
        Launches.Add((kernel, block));
        inner.Launch(kernel, grid, block, sharedBytes, args);
    }

    public void Gemm(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha, int batch, long strideA,
        long strideB, long strideC,
        DType inputs = DType.F32, DType output = DType.F32, GemmEpilogue epilogue = default)
    {
        Gemms.Add((inputs, output));
        inner.Gemm(a, b, c, m, n, k, transposeB, alpha, batch, strideA, strideB, strideC, inputs, output, epilogue);
    }

    public IGpuEvent RecordEvent() => inner.RecordEvent();
    public IGpuGraph Capture(Action enqueue) => inner.Capture(enqueue);
    public void Synchronize() => inner.Synchronize();
    public void Dispose() => inner.Dispose();
}
