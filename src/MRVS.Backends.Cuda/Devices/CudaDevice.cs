using MRVS.Backends.Cuda.Interop;
using MRVS.Backends.Cuda.Kernels;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// An NVIDIA GPU through the driver API: the primary context of device 0 and one non-blocking stream for all work,
/// usable from any thread (one at a time); kernels compiled by NVRTC for the device (a CUBIN for sm_XX where NVRTC
/// knows the architecture and emits CUBINs, else PTX that the driver compiles at load) and loaded once per file;
/// cuBLAS for GEMMs (no TF32 unless asked) with a workspace of its own, so that captured GEMMs allocate nothing, and
/// cuBLASLt for GEMMs with an epilogue (<see cref="CublasLtGemm"/>, sharing that workspace). Every call is checked.
/// </summary>
public sealed unsafe class CudaDevice : IGpuDevice
{
    private const int DefaultDynamicSharedLimit = 48 * 1024, JitLogBytes = 16 * 1024;

    private readonly int _device;
    private readonly nint _context;
    private readonly nint _stream;
    private readonly nint _cublas;
    private readonly nint _cublasWorkspace;
    private readonly CublasLtGemm _cublasLt;
    private readonly string _versions;
    private readonly int _sharedOptinLimit;
    private readonly bool _fmad;
    private readonly Dictionary<string, nint> _modules = [];
    private readonly Dictionary<string, KernelFunction> _functions = [];

    /// <summary>The context, stream, cuBLAS workspace, cuBLAS and cuBLASLt handles, released newest first by Dispose or
    /// by a constructor that fails partway.</summary>
    private readonly ReleaseStack _resources = new();
    private bool _disposed;

    public string Name { get; }

    /// <summary>The device's architecture, e.g. sm_90.</summary>
    public string Arch { get; }

    /// <summary>What the kernels are compiled for (<see cref="KernelCompiler.TargetFor"/>): <see cref="Arch"/>, or PTX
    /// for it or an older compute_XX.</summary>
    public string Target { get; }

    /// <param name="fmad">
    /// NVRTC's --fmad: false rounds every multiply and add, as the emulation does (<see cref="KernelCompiler"/>).
    /// </param>
    /// <exception cref="CudaUnavailableException">no driver, NVRTC, cuBLAS or cuBLASLt library, or no usable
    /// device.</exception>
    public CudaDevice(bool allowTf32 = false, bool fmad = true)
    {
        _fmad = fmad;
        NativeLibraries.EnsureResolver();
        NativeLibraries.Require(NativeLibraries.Cuda);
        NativeLibraries.Require(NativeLibraries.Nvrtc);
        NativeLibraries.Require(NativeLibraries.Cublas);
        NativeLibraries.Require(NativeLibraries.CublasLt);
        // A driver library without a usable GPU (CUDA_ERROR_NO_DEVICE in a container, a missing kernel module) leaves
        // the CPU.
        int init = CudaDriver.Init(0);
        if (init != 0)
            throw new CudaUnavailableException($"cuInit failed with {CudaDriver.ErrorName(init)} ({init}): no usable " +
                "GPU; the CPU backend remains available (--backend cpu)");
        CudaDriver.Check(CudaDriver.DriverGetVersion(out var driver), "cuDriverGetVersion",
            "reading the driver's CUDA version");
        var nvrtc = Nvrtc.GetVersion();
        _versions = $"driver CUDA {driver / 1000}.{driver % 1000 / 10}, NVRTC {nvrtc.Major}.{nvrtc.Minor}";
        CudaDriver.Check(CudaDriver.DeviceGetCount(out var count), "cuDeviceGetCount", "counting devices");
        if (count == 0)
            throw new CudaUnavailableException("the CUDA driver reports no device; the CPU backend remains available " +
                "(--backend cpu)");
        CudaDriver.Check(CudaDriver.DeviceGet(out _device, 0), "cuDeviceGet", "opening device 0");
        int major = Attribute(CudaDriver.AttributeComputeCapabilityMajor, "the compute capability");
        int minor = Attribute(CudaDriver.AttributeComputeCapabilityMinor, "the compute capability");
        _sharedOptinLimit = Attribute(CudaDriver.AttributeMaxSharedMemoryPerBlockOptin, "the shared memory limit");
        var name = new byte[256];
        CudaDriver.Check(CudaDriver.DeviceGetName(name, name.Length, _device), "cuDeviceGetName",
            "reading the device name");
        Name = System.Text.Encoding.ASCII.GetString(name).TrimEnd('\0');
        Arch = $"sm_{major}{minor}";
        try
        {
            Target = KernelCompiler.TargetFor(major * 10 + minor, Nvrtc.GetSupportedArchitectures(),
                Nvrtc.CanEmitCubin);
        }
        catch (NotSupportedException e)
        {
            throw new CudaUnavailableException($"{Name}: {e.Message}");
        }
        CudaDriver.Check(CudaDriver.PrimaryCtxRetain(out _context, _device), "cuDevicePrimaryCtxRetain",
            "creating the context");
        _resources.Push(() => CudaDriver.Check(CudaDriver.PrimaryCtxRelease(_device), "cuDevicePrimaryCtxRelease_v2",
            "releasing the context"));
        try
        {
            MakeCurrent();
            CudaDriver.Check(CudaDriver.StreamCreate(out _stream, CudaDriver.StreamNonBlocking), "cuStreamCreate",
                "creating the stream");
            _resources.Push(() => CudaDriver.Check(CudaDriver.StreamDestroy(_stream), "cuStreamDestroy_v2",
                "releasing the stream"));
            // cuBLAS's recommended workspace: 32 MiB from Hopper on, 4 MiB before.
            long workspaceBytes = (major >= 9 ? 32L : 4L) << 20;
            CudaDriver.Check(CudaDriver.MemAlloc(out _cublasWorkspace, (nuint)workspaceBytes), "cuMemAlloc_v2",
                $"allocating the {workspaceBytes >> 20} MiB cuBLAS workspace");
            _resources.Push(() => CudaDriver.Check(CudaDriver.MemFree(_cublasWorkspace), "cuMemFree_v2",
                "freeing the cuBLAS workspace"));
            Cublas.Check(Cublas.Create(out _cublas), "cublasCreate_v2", "creating the cuBLAS handle");
            _resources.Push(() => Cublas.Check(Cublas.Destroy(_cublas), "cublasDestroy_v2",
                "releasing the cuBLAS handle"));
            Cublas.Check(Cublas.SetStream(_cublas, _stream), "cublasSetStream_v2",
                "putting cuBLAS on the device's stream");
            // After SetStream, which resets the workspace to cuBLAS's own pool (allocated on demand, which a capture
            // forbids).
            Cublas.Check(Cublas.SetWorkspace(_cublas, _cublasWorkspace, (nuint)workspaceBytes), "cublasSetWorkspace_v2",
                "giving cuBLAS its workspace");
            int math = (allowTf32 ? Cublas.Tf32TensorOpMath : Cublas.DefaultMath)
                | Cublas.DisallowReducedPrecisionReduction;
            Cublas.Check(Cublas.SetMathMode(_cublas, math), "cublasSetMathMode", "choosing the math mode");
            _cublasLt = new CublasLtGemm(_stream, _cublasWorkspace, workspaceBytes, allowTf32);
            _resources.Push(_cublasLt.Dispose);
        }
        catch
        {
            _resources.ReleaseAfterFailure();
            throw;
        }
    }

    /// <summary>
    /// Every entry point makes the context current first, so the device may be used from any thread (one at a time);
    /// a thread-local store in the driver, cheap next to any call that follows it.
    /// </summary>
    private void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CudaDriver.Check(CudaDriver.CtxSetCurrent(_context), "cuCtxSetCurrent", "making the context current");
    }

    private int Attribute(int attribute, string what)
    {
        CudaDriver.Check(CudaDriver.DeviceGetAttribute(out var value, attribute, _device), "cuDeviceGetAttribute",
            $"reading {what}");
        return value;
    }

    public nint Allocate(long bytes)
    {
        MakeCurrent();
        CudaDriver.Check(CudaDriver.MemAlloc(out var p, (nuint)Math.Max(bytes, 1)), "cuMemAlloc_v2",
            $"allocating {bytes} bytes");
        return p;
    }

    public void Free(nint pointer)
    {
        MakeCurrent();
        CudaDriver.Check(CudaDriver.MemFree(pointer), "cuMemFree_v2", "freeing device memory");
    }

    public void CopyToDevice(ReadOnlySpan<byte> source, nint destination)
    {
        MakeCurrent();
        // From pageable memory the driver stages the bytes before returning, so the span may be reused at once.
        fixed (byte* s = source)
            CudaDriver.Check(CudaDriver.MemcpyHtoDAsync(destination, s, (nuint)source.Length, _stream),
                "cuMemcpyHtoDAsync_v2", $"uploading {source.Length} bytes");
    }

    public void CopyToHost(nint source, Span<byte> destination)
    {
        MakeCurrent();
        fixed (byte* d = destination)
            CudaDriver.Check(CudaDriver.MemcpyDtoHAsync(d, source, (nuint)destination.Length, _stream),
                "cuMemcpyDtoHAsync_v2", $"downloading {destination.Length} bytes");
        CudaDriver.Check(CudaDriver.StreamSynchronize(_stream), "cuStreamSynchronize",
            $"waiting for a download of {destination.Length} bytes");
    }

    public void CopyOnDevice(nint source, nint destination, long bytes)
    {
        MakeCurrent();
        CudaDriver.Check(CudaDriver.MemcpyDtoDAsync(destination, source, (nuint)bytes, _stream), "cuMemcpyDtoDAsync_v2",
            $"copying {bytes} bytes on the device");
    }

    public void Fill(nint destination, byte value, long bytes)
    {
        MakeCurrent();
        CudaDriver.Check(CudaDriver.MemsetD8Async(destination, value, (nuint)bytes, _stream), "cuMemsetD8Async",
            $"filling {bytes} bytes with {value}");
    }

    public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args)
    {
        Dim3.CheckLaunch(kernel, grid, block, sharedBytes);
        KernelSignatures.Embedded.Check(kernel, args);
        KernelSignatures.Embedded.CheckBlock(kernel, block);
        MakeCurrent();
        var f = Function(kernel);
        if (block.Volume > f.MaxThreadsPerBlock)
            throw new ArgumentException($"launch of {kernel} with block {block}: the compiled kernel takes at most " +
                $"{f.MaxThreadsPerBlock} threads per block");
        if (sharedBytes > f.DynamicSharedLimit)
        {
            if (f.StaticSharedBytes + sharedBytes > _sharedOptinLimit)
                throw new ArgumentException($"launch of {kernel}: {sharedBytes} bytes of dynamic shared memory plus " +
                    $"{f.StaticSharedBytes} static exceed the device's {_sharedOptinLimit}");
            CudaDriver.Check(CudaDriver.FuncSetAttribute(f.Handle,
                CudaDriver.FunctionAttributeMaxDynamicSharedSizeBytes, sharedBytes),
                "cuFuncSetAttribute", $"allowing {kernel} {sharedBytes} bytes of dynamic shared memory");
            _functions[kernel] = f = f with { DynamicSharedLimit = sharedBytes };
        }
        CudaDriver.Check(CudaDriver.LaunchKernel(f.Handle, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z,
            (uint)sharedBytes, _stream, args.Pointers, 0),
            "cuLaunchKernel",
                $"launching {kernel} with grid {grid}, block {block}, {sharedBytes} bytes of shared memory");
    }

    private readonly record struct KernelFunction(nint Handle, int MaxThreadsPerBlock, int StaticSharedBytes,
        int DynamicSharedLimit);

    private KernelFunction Function(string kernel)
    {
        if (_functions.TryGetValue(kernel, out var f)) return f;
        nint module = Module(KernelSources.FileDefining(kernel));
        CudaDriver.Check(CudaDriver.ModuleGetFunction(out var handle, module, kernel), "cuModuleGetFunction",
            $"finding {kernel}");
        CudaDriver.Check(CudaDriver.FuncGetAttribute(out var maxThreads, CudaDriver.FunctionAttributeMaxThreadsPerBlock,
            handle), "cuFuncGetAttribute", $"reading the block limit of {kernel}");
        CudaDriver.Check(CudaDriver.FuncGetAttribute(out var staticShared, CudaDriver.FunctionAttributeSharedSizeBytes,
            handle), "cuFuncGetAttribute", $"reading the shared memory of {kernel}");
        return _functions[kernel] = new KernelFunction(handle, maxThreads, staticShared,
            DefaultDynamicSharedLimit - staticShared);
    }

    /// <summary>Loads a kernel file's CUBIN or PTX (NVRTC's PTX ends in the NUL the driver needs), with the JIT's error
    /// log on failure.</summary>
    private nint Module(string file)
    {
        if (_modules.TryGetValue(file, out var module)) return module;
        var compiled = KernelCompiler.Compile(file, Target, _fmad);
        var log = new byte[JitLogBytes];
        int result;
        fixed (byte* image = compiled.Image, logBuffer = log)
        {
            int* options = stackalloc int[] { CudaDriver.JitErrorLogBuffer, CudaDriver.JitErrorLogBufferSizeBytes };
            nint* values = stackalloc nint[] { (nint)logBuffer, JitLogBytes };
            result = CudaDriver.ModuleLoadDataEx(out module, image, 2, options, values);
        }
        if (result != 0)
        {
            string jit = System.Text.Encoding.UTF8.GetString(log, 0, Math.Max(0, Array.IndexOf(log, (byte)0))).Trim();
            CudaDriver.Check(result, "cuModuleLoadDataEx",
                $"loading {file}.cu for {compiled.Target} ({_versions}){(jit.Length > 0 ? ": " + jit : "")}");
        }
        return _modules[file] = module;
    }

    /// <summary>Row-major GEMM as the column-major C^T = op(B)^T · A^T: cuBLAS, or cuBLASLt with an
    /// epilogue.</summary>
    public void Gemm(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha, int batch, long strideA,
        long strideB, long strideC,
        DType inputs = DType.F32, DType output = DType.F32, GemmEpilogue epilogue = default)
    {
        GemmTypes.Check(inputs, output, epilogue);
        MakeCurrent();
        string what = $"GEMM {m}x{n}x{k} (batch {batch}, {inputs} → {output}, epilogue {epilogue})";
        if (!epilogue.IsEmpty)
        {
            _cublasLt.Run(a, b, c, m, n, k, transposeB, alpha, batch, strideA, strideB, strideC, inputs, output,
                epilogue, what);
            return;
        }
        int opB = transposeB ? Cublas.OpT : Cublas.OpN, ldb = transposeB ? k : n;
        if (inputs == DType.F32)
        {
            Cublas.Check(Cublas.SgemmStridedBatched(_cublas, opB, Cublas.OpN, n, m, k, alpha, b, ldb, strideB, a, k,
                strideA, 0f, c, n, strideC, batch),
                "cublasSgemmStridedBatched", what);
            return;
        }
        int type = inputs == DType.F16 ? Cublas.DataF16 : Cublas.DataBF16,
            cType = output == DType.F32 ? Cublas.DataF32 : type;
        // CUBLAS_COMPUTE_32F whatever the math mode: the fast (TF32) compute types take only float32 operands.
        if (batch == 1)
            Cublas.Check(Cublas.GemmEx(_cublas, opB, Cublas.OpN, n, m, k, alpha, b, type, ldb, a, type, k, 0f, c, cType,
                n, Cublas.ComputeF32, Cublas.GemmDefault),
                "cublasGemmEx", what);
        else
            Cublas.Check(Cublas.GemmStridedBatchedEx(_cublas, opB, Cublas.OpN, n, m, k, alpha, b, type, ldb, strideB, a,
                type, k, strideA, 0f,
                c, cType, n, strideC, batch, Cublas.ComputeF32, Cublas.GemmDefault), "cublasGemmStridedBatchedEx",
                    what);
    }

    public IGpuEvent RecordEvent() => new CudaEvent(_stream, MakeCurrent);

    public IGpuGraph Capture(Action enqueue)
    {
        MakeCurrent();
        CudaDriver.Check(CudaDriver.StreamBeginCapture(_stream, CudaDriver.StreamCaptureModeThreadLocal),
            "cuStreamBeginCapture_v2", "starting a graph capture");
        try
        {
            enqueue();
        }
        catch
        {
            // End the capture so the stream stays usable; its own error (the capture was invalidated) would only hide
            // this one.
            if (CudaDriver.StreamEndCapture(_stream, out var broken) == 0 && broken != 0)
                CudaDriver.GraphDestroy(broken);
            throw;
        }
        CudaDriver.Check(CudaDriver.StreamEndCapture(_stream, out var graph), "cuStreamEndCapture",
            "ending a graph capture");
        try
        {
            CudaDriver.Check(CudaDriver.GraphInstantiateWithFlags(out var executable, graph, 0),
                "cuGraphInstantiateWithFlags", "instantiating a captured graph");
            return new CudaGraph(executable, _stream, MakeCurrent);
        }
        finally
        {
            CudaDriver.Check(CudaDriver.GraphDestroy(graph), "cuGraphDestroy",
                "releasing a captured graph after instantiation");
        }
    }

    public void Synchronize()
    {
        MakeCurrent();
        CudaDriver.Check(CudaDriver.StreamSynchronize(_stream), "cuStreamSynchronize", "waiting for the GPU");
    }

    /// <summary>Waits for queued work, then unloads the modules and releases cuBLASLt, cuBLAS, their workspace, the
    /// stream and the context; every step runs even if one fails.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        MakeCurrent();
        _disposed = true;
        var releases = new List<Action> { () => CudaDriver.Check(CudaDriver.StreamSynchronize(_stream),
            "cuStreamSynchronize", "waiting for the GPU before releasing it") };
        releases.AddRange(_modules.Values.Select(m => (Action)(() =>
            CudaDriver.Check(CudaDriver.ModuleUnload(m), "cuModuleUnload", "unloading a kernel module"))));
        _modules.Clear();
        _functions.Clear();
        releases.Add(_resources.Dispose);
        Release.All([.. releases]);
    }
}
