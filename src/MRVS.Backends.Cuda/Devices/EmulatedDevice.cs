using System.Runtime.InteropServices;
using MRVS.Backends.Cpu;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// The `cuda-emu` device: kernels from libmrvs_kernels_emu.so (built by CMakeLists.txt from the same .cu files),
/// host memory as device memory, the CPU GEMM for cuBLAS. The library is found through MRVS_KERNELS_EMU, next to the
/// application, or in build/emu of the source tree above it.
/// </summary>
public sealed unsafe class EmulatedDevice : IGpuDevice
{
    public const string LibraryName = "libmrvs_kernels_emu.so";
    private readonly nint _library;
    private readonly Dictionary<string, nint> _entries = [];

    public EmulatedDevice()
    {
        var path = FindLibrary() ?? throw new FileNotFoundException(
            $"{LibraryName} not found (set MRVS_KERNELS_EMU, or build it: tools/ci/build-kernels-emu.sh); the CPU backend remains available");
        _library = NativeLibrary.Load(path);
        LibraryPath = path;
    }

    public string Name => "cuda-emu";
    public string LibraryPath { get; }

    public static string? FindLibrary()
    {
        var env = Environment.GetEnvironmentVariable("MRVS_KERNELS_EMU");
        if (!string.IsNullOrEmpty(env)) return File.Exists(env) ? env : null;
        var beside = Path.Combine(AppContext.BaseDirectory, LibraryName);
        if (File.Exists(beside)) return beside;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "build", "emu", LibraryName);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    public nint Allocate(long bytes) => (nint)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 256);
    public void Free(nint pointer) => NativeMemory.AlignedFree((void*)pointer);
    public void CopyToDevice(ReadOnlySpan<byte> source, nint destination) => source.CopyTo(new Span<byte>((void*)destination, source.Length));
    public void CopyToHost(nint source, Span<byte> destination) => new ReadOnlySpan<byte>((void*)source, destination.Length).CopyTo(destination);
    public void Synchronize() { }

    public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args)
    {
        if (!_entries.TryGetValue(kernel, out var entry))
        {
            if (!NativeLibrary.TryGetExport(_library, $"mrvs_emu_{kernel}", out entry))
                throw new EntryPointNotFoundException($"{LibraryPath} has no kernel '{kernel}' (rebuild it: tools/ci/build-kernels-emu.sh)");
            _entries[kernel] = entry;
        }
        var fn = (delegate* unmanaged<uint, uint, uint, uint, uint, uint, uint, nint, void>)entry;
        fn(grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, (uint)sharedBytes, args.Pointers);
    }

    public void Gemm(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha, int batch, long strideA, long strideB, long strideC)
    {
        for (int i = 0; i < batch; i++)
            MRVS.Backends.Cpu.Gemm.Run((float*)a + i * strideA, (float*)b + i * strideB, (float*)c + i * strideC, m, n, k, transposeB, alpha);
    }

    public void Dispose() => NativeLibrary.Free(_library);
}
