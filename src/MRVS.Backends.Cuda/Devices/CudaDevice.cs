using MRVS.Backends.Cuda.Interop;
using MRVS.Backends.Cuda.Kernels;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// An NVIDIA GPU through the driver API: the primary context of device 0, kernels compiled by NVRTC for the
/// device's compute capability and loaded once per process, cuBLAS SGEMM (no TF32 unless asked) for GEMMs.
/// Launches go to the default stream; every call is checked.
/// </summary>
public sealed unsafe class CudaDevice : IGpuDevice
{
    private readonly int _device;
    private readonly nint _context;
    private readonly nint _cublas;
    private readonly Dictionary<string, (nint Module, nint Function)> _kernels = [];

    public string Name { get; }
    public string Arch { get; }

    public CudaDevice(bool allowTf32 = false)
    {
        NativeLibraries.EnsureResolver();
        NativeLibraries.Require(NativeLibraries.Cuda);
        NativeLibraries.Require(NativeLibraries.Nvrtc);
        NativeLibraries.Require(NativeLibraries.Cublas);
        CudaDriver.Check(CudaDriver.Init(0), "cuInit", "initialising the CUDA driver");
        CudaDriver.Check(CudaDriver.DeviceGetCount(out var count), "cuDeviceGetCount", "counting devices");
        if (count == 0) throw new CudaUnavailableException("the CUDA driver reports no device; the CPU backend remains available (--backend cpu)");
        CudaDriver.Check(CudaDriver.DeviceGet(out _device, 0), "cuDeviceGet", "opening device 0");
        CudaDriver.Check(CudaDriver.DeviceGetAttribute(out var major, CudaDriver.AttributeComputeCapabilityMajor, _device), "cuDeviceGetAttribute", "reading the compute capability");
        CudaDriver.Check(CudaDriver.DeviceGetAttribute(out var minor, CudaDriver.AttributeComputeCapabilityMinor, _device), "cuDeviceGetAttribute", "reading the compute capability");
        var name = new byte[256];
        CudaDriver.Check(CudaDriver.DeviceGetName(name, name.Length, _device), "cuDeviceGetName", "reading the device name");
        Name = System.Text.Encoding.ASCII.GetString(name).TrimEnd('\0');
        Arch = $"compute_{major}{minor}";
        CudaDriver.Check(CudaDriver.PrimaryCtxRetain(out _context, _device), "cuDevicePrimaryCtxRetain", "creating the context");
        CudaDriver.Check(CudaDriver.CtxSetCurrent(_context), "cuCtxSetCurrent", "making the context current");
        Cublas.Check(Cublas.Create(out _cublas), "cublasCreate_v2", "creating the cuBLAS handle");
        Cublas.Check(Cublas.SetMathMode(_cublas, allowTf32 ? Cublas.Tf32TensorOpMath : Cublas.DefaultMath), "cublasSetMathMode", "choosing the math mode");
    }

    public nint Allocate(long bytes)
    {
        CudaDriver.Check(CudaDriver.MemAlloc(out var p, (nuint)Math.Max(bytes, 1)), "cuMemAlloc_v2", $"allocating {bytes} bytes");
        return p;
    }

    public void Free(nint pointer) => CudaDriver.Check(CudaDriver.MemFree(pointer), "cuMemFree_v2", "freeing device memory");

    public void CopyToDevice(ReadOnlySpan<byte> source, nint destination)
    {
        fixed (byte* s = source)
            CudaDriver.Check(CudaDriver.MemcpyHtoD(destination, s, (nuint)source.Length), "cuMemcpyHtoD_v2", $"uploading {source.Length} bytes");
    }

    public void CopyToHost(nint source, Span<byte> destination)
    {
        fixed (byte* d = destination)
            CudaDriver.Check(CudaDriver.MemcpyDtoH(d, source, (nuint)destination.Length), "cuMemcpyDtoH_v2", $"downloading {destination.Length} bytes");
    }

    public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args)
    {
        if (!_kernels.TryGetValue(kernel, out var k))
        {
            var ptx = KernelCompiler.Compile(kernel, Arch).Ptx;
            nint module;
            fixed (byte* image = ptx)
                CudaDriver.Check(CudaDriver.ModuleLoadData(out module, image), "cuModuleLoadData", $"loading {kernel} for {Arch}");
            CudaDriver.Check(CudaDriver.ModuleGetFunction(out var function, module, kernel), "cuModuleGetFunction", $"finding {kernel}");
            _kernels[kernel] = k = (module, function);
        }
        CudaDriver.Check(CudaDriver.LaunchKernel(k.Function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, (uint)sharedBytes, 0, args.Pointers, 0),
            "cuLaunchKernel", $"launching {kernel}");
    }

    /// <summary>Row-major GEMM as the column-major C^T = op(B)^T · A^T.</summary>
    public void Gemm(nint a, nint b, nint c, int m, int n, int k, bool transposeB, float alpha, int batch, long strideA, long strideB, long strideC)
    {
        Cublas.Check(Cublas.SgemmStridedBatched(_cublas, transposeB ? Cublas.OpT : Cublas.OpN, Cublas.OpN, n, m, k, alpha,
            b, transposeB ? k : n, strideB, a, k, strideA, 0f, c, n, strideC, batch), "cublasSgemmStridedBatched", $"GEMM {m}x{n}x{k} (batch {batch})");
    }

    public void Synchronize() => CudaDriver.Check(CudaDriver.CtxSynchronize(), "cuCtxSynchronize", "waiting for the GPU");

    public void Dispose()
    {
        foreach (var (module, _) in _kernels.Values) CudaDriver.ModuleUnload(module);
        _kernels.Clear();
        Cublas.Destroy(_cublas);
        CudaDriver.PrimaryCtxRelease(_device);
    }
}
