using System.Runtime.InteropServices;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>
/// The CUDA driver API calls the backend uses (64-bit: CUdeviceptr and handles as nint), under their versioned
/// export names; results are checked by <see cref="Check"/>.
/// </summary>
internal static partial class CudaDriver
{
    public const int AttributeMaxSharedMemoryPerBlockOptin = 97, AttributeComputeCapabilityMajor = 75,
        AttributeComputeCapabilityMinor = 76;
    public const int FunctionAttributeMaxThreadsPerBlock = 0, FunctionAttributeSharedSizeBytes = 1,
        FunctionAttributeMaxDynamicSharedSizeBytes = 8;
    public const uint StreamNonBlocking = 1, EventDefault = 0;
    // Only this thread's capture: another thread's allocation (another Segmenter) may neither break it nor be refused.
    public const int StreamCaptureModeThreadLocal = 1;
    public const int JitErrorLogBuffer = 5, JitErrorLogBufferSizeBytes = 6;

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuInit")] public static partial int Init(uint flags);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDriverGetVersion")]
    public static partial int DriverGetVersion(out int version);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceGetCount")]
    public static partial int DeviceGetCount(out int count);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceGet")]
    public static partial int DeviceGet(out int device, int ordinal);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceGetAttribute")]
    public static partial int DeviceGetAttribute(out int value, int attribute, int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceGetName")]
    public static partial int DeviceGetName([Out] byte[] name, int length, int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDevicePrimaryCtxRetain")]
    public static partial int PrimaryCtxRetain(out nint context, int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    public static partial int PrimaryCtxRelease(int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuCtxSetCurrent")]
    public static partial int CtxSetCurrent(nint context);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemAlloc_v2")]
    public static partial int MemAlloc(out nint pointer, nuint bytes);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemFree_v2")] public static partial int MemFree(nint pointer);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyHtoDAsync_v2")]
    public static unsafe partial int MemcpyHtoDAsync(nint destination, void* source, nuint bytes, nint stream);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyDtoHAsync_v2")]
    public static unsafe partial int MemcpyDtoHAsync(void* destination, nint source, nuint bytes, nint stream);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyDtoDAsync_v2")]
    public static partial int MemcpyDtoDAsync(nint destination, nint source, nuint bytes, nint stream);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemsetD8Async")]
    public static partial int MemsetD8Async(nint destination, byte value, nuint count, nint stream);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuStreamCreate")]
    public static partial int StreamCreate(out nint stream, uint flags);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuStreamDestroy_v2")]
    public static partial int StreamDestroy(nint stream);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuStreamSynchronize")]
    public static partial int StreamSynchronize(nint stream);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuEventCreate")]
    public static partial int EventCreate(out nint evt, uint flags);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuEventRecord")]
    public static partial int EventRecord(nint evt, nint stream);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuEventElapsedTime")]
    private static partial int EventElapsedTimeV1(out float milliseconds, nint start, nint end);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuEventElapsedTime_v2")]
    private static partial int EventElapsedTimeV2(out float milliseconds, nint start, nint end);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuEventDestroy_v2")]
    public static partial int EventDestroy(nint evt);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuModuleLoadDataEx")]
    public static unsafe partial int ModuleLoadDataEx(out nint module, void* image, uint optionCount, int* options,
        nint* optionValues);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuModuleUnload")]
    public static partial int ModuleUnload(nint module);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuModuleGetFunction",
        StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ModuleGetFunction(out nint function, nint module, string name);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuFuncGetAttribute")]
    public static partial int FuncGetAttribute(out int value, int attribute, nint function);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuFuncSetAttribute")]
    public static partial int FuncSetAttribute(nint function, int attribute, int value);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuLaunchKernel")]
    public static partial int LaunchKernel(nint function, uint gx, uint gy, uint gz, uint bx, uint by, uint bz,
        uint sharedBytes, nint stream, nint parameters, nint extra);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuStreamBeginCapture_v2")]
    public static partial int StreamBeginCapture(nint stream, int mode);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuStreamEndCapture")]
    public static partial int StreamEndCapture(nint stream, out nint graph);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuGraphInstantiateWithFlags")]
    public static partial int GraphInstantiateWithFlags(out nint executable, nint graph, ulong flags);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuGraphLaunch")]
    public static partial int GraphLaunch(nint executable, nint stream);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuGraphExecDestroy")]
    public static partial int GraphExecDestroy(nint executable);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuGraphDestroy")]
    public static partial int GraphDestroy(nint graph);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuGetErrorName")]
    private static partial int GetErrorName(int result, out nint name);

    // CUDA 12.8 added cuEventElapsedTime_v2 and CUDA 13's cuda.h declares only it; older drivers export only the first.
    private static readonly bool HasEventElapsedTimeV2 = NativeLibraries.HasExport(NativeLibraries.Cuda,
        "cuEventElapsedTime_v2");

    /// <summary>The milliseconds between two completed events: cuEventElapsedTime_v2 where the driver has it, else
    /// cuEventElapsedTime (same signature); checked.</summary>
    public static float ElapsedMilliseconds(nint start, nint end, string context)
    {
        float milliseconds;
        if (HasEventElapsedTimeV2)
            Check(EventElapsedTimeV2(out milliseconds, start, end), "cuEventElapsedTime_v2", context);
        else Check(EventElapsedTimeV1(out milliseconds, start, end), "cuEventElapsedTime", context);
        return milliseconds;
    }

    /// <summary>Throws a <see cref="CudaException"/> naming the call, the CUresult (e.g. CUDA_ERROR_OUT_OF_MEMORY) and
    /// the context.</summary>
    public static void Check(int result, string call, string context)
    {
        if (result != 0) throw new CudaException(call, result, ErrorName(result), context);
    }

    public static string ErrorName(int result) =>
        GetErrorName(result, out var p) == 0 && p != 0 ? Marshal.PtrToStringUTF8(p) ?? "CUDA_ERROR" : "CUDA_ERROR";
}
