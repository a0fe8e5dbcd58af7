using System.Runtime.InteropServices;
using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Interop;
using MRVS.Backends.Cuda.Kernels;
using MRVS.Core.Execution;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Emulation;

/// <summary>
/// The `cuda-emu` device: kernels from libmrvs_kernels_emu.so (built by CMakeLists.txt from the same .cu files), host
/// memory as device memory, the CPU GEMM for cuBLAS and cuBLASLt (with the epilogue in cuBLASLt's order). Work runs
/// when it is queued, so the stream is always idle; while capturing, kernel launches, GEMMs, fills and device copies
/// are recorded instead (with copies of their arguments) for replay, and what CUDA forbids during a capture
/// (allocating, host copies, waiting) throws.
/// The library is found through MRVS_KERNELS_EMU, next to the application, or in build/emu of the source tree above it.
/// With counters, the same kernels instrumented (libmrvs_kernels_emu_counters.so, MRVS_KERNELS_EMU_COUNTERS) run
/// instead and every launch, GEMM and copy is counted (<see cref="Counters"/>); results are the same, only slower.
/// </summary>
public sealed unsafe class EmulatedDevice : IGpuDevice
{
    public const string LibraryName = "libmrvs_kernels_emu.so", LibraryVariable = "MRVS_KERNELS_EMU";
    public const string CountersLibraryName = "libmrvs_kernels_emu_counters.so";
    public const string CountersLibraryVariable = "MRVS_KERNELS_EMU_COUNTERS";
    private readonly nint _library;
    private readonly KernelSignatures _signatures;
    private readonly Dictionary<string, nint> _entries = [];
    private RecordedGraph? _capturing;

    /// <param name="libraryPath">An emulation library to use instead of the kernels' (the tests' own kernels).</param>
    /// <param name="signatures">The parameter lists of that library's kernels, which launches are checked against (the
    /// kernels' by default).</param>
    /// <param name="counters">Run the instrumented kernels and count memory traffic (<see cref="Counters"/>).</param>
    public EmulatedDevice(string? libraryPath = null, KernelSignatures? signatures = null, bool counters = false)
    {
        _signatures = signatures ?? KernelSignatures.Embedded;
        var (file, variable) = counters
            ? (CountersLibraryName, CountersLibraryVariable)
            : (LibraryName, LibraryVariable);
        LibraryPath = libraryPath ?? FindLibrary(file, variable) ?? throw new CudaUnavailableException(
            $"{file} not found (set {variable}, or build it: tools/ci/build-kernels-emu.sh); "
            + "the CPU backend remains available");
        _library = NativeLibrary.Load(LibraryPath);
        if (counters) Counters = new EmulatorCounters(_library, LibraryPath);
    }

    public string Name => "cuda-emu";
    public string LibraryPath { get; }

    /// <summary>The memory counters, when the device runs the instrumented kernels; else null.</summary>
    public EmulatorCounters? Counters { get; }

    IWorkCounters? IGpuDevice.Counters => Counters;

    /// <summary>The path in <paramref name="variable"/> if set, else the file beside the application or in build/emu of
    /// a directory above it.</summary>
    public static string? FindLibrary(string fileName = LibraryName, string variable = LibraryVariable)
    {
        var env = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(env)) return File.Exists(env) ? env : null;
        var beside = Path.Combine(AppContext.BaseDirectory, fileName);
        if (File.Exists(beside)) return beside;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "build", "emu", fileName);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    public nint Allocate(long bytes)
    {
        RefuseWhileCapturing("allocating");
        var p = (nint)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 256);
        Counters?.AddRegion(p, bytes);
        return p;
    }

    public void Free(nint pointer)
    {
        RefuseWhileCapturing("freeing");
        Counters?.RemoveRegion(pointer);
        NativeMemory.AlignedFree((void*)pointer);
    }

    public void CopyToDevice(ReadOnlySpan<byte> source, nint destination)
    {
        RefuseWhileCapturing("uploading from the host");
        source.CopyTo(new Span<byte>((void*)destination, source.Length));
    }

    public void CopyToHost(nint source, Span<byte> destination)
    {
        RefuseWhileCapturing("downloading to the host");
        new ReadOnlySpan<byte>((void*)source, destination.Length).CopyTo(destination);
    }

    public void CopyOnDevice(nint source, nint destination, long bytes)
    {
        Run(() => Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes));
        if (_capturing is null) Counters?.CountCopy("copy", bytes, bytes);
    }

    public void Fill(nint destination, byte value, long bytes)
    {
        Run(() => NativeMemory.Fill((void*)destination, (nuint)bytes, value));
        if (_capturing is null) Counters?.CountCopy("fill", 0, bytes);
    }

    public void Synchronize() => RefuseWhileCapturing("synchronising");

    public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args)
    {
        Dim3.CheckLaunch(kernel, grid, block, sharedBytes);
        _signatures.Check(kernel, args);
        _signatures.CheckBlock(kernel, block);
        if (!_entries.TryGetValue(kernel, out var entry))
        {
            if (!NativeLibrary.TryGetExport(_library, $"mrvs_emu_{kernel}", out entry))
                throw new CudaUnavailableException(
                    $"{LibraryPath} has no kernel '{kernel}' (rebuild it: tools/ci/build-kernels-emu.sh)");
            _entries[kernel] = entry;
        }
        var fn = (delegate* unmanaged<uint, uint, uint, uint, uint, uint, uint, nint, void>)entry;
        if (_capturing is null)
        {
            Counters?.BeginLaunch();
            fn(grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, (uint)sharedBytes, args.Pointers);
            Counters?.EndLaunch(kernel);
            return;
        }
        var recorded = _capturing.Own(args.Clone());
        _capturing.Add(() => fn(grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, (uint)sharedBytes,
            recorded.Pointers));
    }

    public void Gemm(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha, int batch, long strideA,
        long strideB, long strideC,
        DType inputs = DType.F32, DType output = DType.F32, GemmEpilogue epilogue = default)
    {
        GemmTypes.Check(inputs, output, epilogue);
        Run(() => EmulatedGemm(a, b, c, m, n, k, transposeB, alpha, batch, strideA, strideB, strideC, inputs, output,
            epilogue));
        if (_capturing is null) Counters?.CountGemm(m, n, k, batch, strideA, strideB, inputs, output, epilogue);
    }

    private static void EmulatedGemm(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha,
        int batch, long strideA, long strideB, long strideC,
        DType inputs, DType output, GemmEpilogue epilogue)
    {
        for (int i = 0; i < batch; i++)
        {
            float* ci = (float*)c + i * strideC;
            // In place (the residual is C) the product goes to a buffer first, as the GPU holds it in registers.
            float[]? product = epilogue.Residual == c ? new float[(long)m * n] : null;
            if (inputs == DType.F32)
            {
                fixed (float* p = product)
                    Cpu.Gemm.Run((float*)a + i * strideA, (float*)b + i * strideB, p == null ? ci : p, m, n, k,
                        transposeB, alpha);
                if (!epilogue.IsEmpty)
                    ApplyEpilogue(epilogue, product, ci, m, n, i * strideC, i * epilogue.BiasStride);
                continue;
            }
            // Reduced-precision inputs are widened exactly, so the float32 GEMM accumulates what cuBLAS's compute type
            // F32 does.
            var wa = Widen((ushort*)a + i * strideA, (long)m * k, inputs);
            var wb = Widen((ushort*)b + i * strideB, (long)k * n, inputs);
            var wc = new float[(long)m * n];
            fixed (float* pa = wa, pb = wb, pc = wc)
                Cpu.Gemm.Run(pa, pb, pc, m, n, k, transposeB, alpha);
            if (output == DType.F32)
            {
                ApplyEpilogue(epilogue, wc, ci, m, n, i * strideC, i * epilogue.BiasStride);
                continue;
            }
            // Into a 16-bit C the bias is in C's type too (IGpuDevice.Gemm), widened exactly: the same epilogue in
            // float32 on the product, then C rounded once.
            var bias = epilogue.Bias == 0 ? [] : Widen((ushort*)epilogue.Bias + i * epilogue.BiasStride, n, output);
            fixed (float* pc = wc, pbias = bias)
                ApplyEpilogue(epilogue with { Bias = (nint)pbias }, null, pc, m, n, 0, 0);
            for (int j = 0; j < wc.Length; j++) ((ushort*)c)[i * strideC + j] = ReducedPrecision.Narrow(wc[j], output);
        }
    }

    /// <summary>
    /// C = relu?((product + residual) + bias[column]) in cuBLASLt's order (<see cref="GemmEpilogue"/>), element by
    /// element, each sum rounded to float32; <paramref name="product"/> null means the product is in C already.
    /// <paramref name="offset"/> and <paramref name="biasOffset"/> locate the batch entry's residual and bias.
    /// </summary>
    private static void ApplyEpilogue(GemmEpilogue epilogue, float[]? product, float* c, int m, int n, long offset,
        long biasOffset)
    {
        float* bias = epilogue.Bias == 0 ? null : (float*)epilogue.Bias + biasOffset,
            residual = epilogue.Residual == 0 ? null : (float*)epilogue.Residual + offset;
        for (long j = 0, count = (long)m * n; j < count; j++)
        {
            float v = product is null ? c[j] : product[j];
            if (residual != null) v += residual[j];
            if (bias != null) v += bias[j % n];
            c[j] = epilogue.Relu && !(v > 0f) ? 0f : v;
        }
    }

    private static float[] Widen(ushort* bits, long count, DType type)
    {
        var r = new float[count];
        for (long j = 0; j < count; j++) r[j] = ReducedPrecision.Widen(bits[j], type);
        return r;
    }

    public IGpuEvent RecordEvent() => new HostEvent();

    public IGpuGraph Capture(Action enqueue)
    {
        if (_capturing is not null) throw new InvalidOperationException("cuda-emu: a capture is already under way");
        var graph = _capturing = new RecordedGraph();
        try
        {
            enqueue();
            return graph;
        }
        catch
        {
            graph.Dispose();
            throw;
        }
        finally
        {
            _capturing = null;
        }
    }

    /// <summary>Runs queued work now, or records it while capturing.</summary>
    private void Run(Action work)
    {
        if (_capturing is null) work();
        else _capturing.Add(work);
    }

    private void RefuseWhileCapturing(string what)
    {
        if (_capturing is not null)
            throw new InvalidOperationException($"cuda-emu: {what} while capturing a graph (CUDA forbids it during " +
                "stream capture)");
    }

    public void Dispose() => NativeLibrary.Free(_library);
}
