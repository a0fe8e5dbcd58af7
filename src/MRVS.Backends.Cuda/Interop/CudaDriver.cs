using System.Runtime.InteropServices;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>The CUDA driver API calls the backend uses (64-bit: CUdeviceptr and handles as nint); results checked by <see cref="Check"/>.</summary>
internal static partial class CudaDriver
{
    public const int AttributeComputeCapabilityMajor = 75, AttributeComputeCapabilityMinor = 76;

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuInit")] public static partial int Init(uint flags);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceGetCount")] public static partial int DeviceGetCount(out int count);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceGet")] public static partial int DeviceGet(out int device, int ordinal);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceGetAttribute")] public static partial int DeviceGetAttribute(out int value, int attribute, int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceGetName")] public static partial int DeviceGetName([Out] byte[] name, int length, int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDevicePrimaryCtxRetain")] public static partial int PrimaryCtxRetain(out nint context, int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDevicePrimaryCtxRelease_v2")] public static partial int PrimaryCtxRelease(int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuCtxSetCurrent")] public static partial int CtxSetCurrent(nint context);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuCtxSynchronize")] public static partial int CtxSynchronize();
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemAlloc_v2")] public static partial int MemAlloc(out nint pointer, nuint bytes);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemFree_v2")] public static partial int MemFree(nint pointer);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyHtoD_v2")] public static unsafe partial int MemcpyHtoD(nint destination, void* source, nuint bytes);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyDtoH_v2")] public static unsafe partial int MemcpyDtoH(void* destination, nint source, nuint bytes);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuModuleLoadData")] public static unsafe partial int ModuleLoadData(out nint module, void* image);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuModuleUnload")] public static partial int ModuleUnload(nint module);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuModuleGetFunction", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ModuleGetFunction(out nint function, nint module, string name);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuLaunchKernel")]
    public static partial int LaunchKernel(nint function, uint gx, uint gy, uint gz, uint bx, uint by, uint bz, uint sharedBytes, nint stream, nint parameters, nint extra);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuGetErrorName")] private static partial int GetErrorName(int result, out nint name);

    public static void Check(int result, string call, string context)
    {
        if (result == 0) return;
        string name = GetErrorName(result, out var p) == 0 && p != 0 ? Marshal.PtrToStringUTF8(p) ?? "CUDA_ERROR" : "CUDA_ERROR";
        throw new CudaException(call, result, name, context);
    }
}
