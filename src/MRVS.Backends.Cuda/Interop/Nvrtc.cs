using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>The NVRTC calls the kernel compiler uses; every result is checked.</summary>
public static partial class Nvrtc
{
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcVersion")] private static partial int Version(out int major, out int minor);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetErrorString")] private static partial nint ErrorString(int result);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcCreateProgram", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int CreateProgram(out nint program, string source, string name, int headers, [In] nint[] headerSources, [In] nint[] headerNames);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcCompileProgram")] private static partial int CompileProgram(nint program, int count, [In] nint[] options);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetProgramLogSize")] private static partial int GetProgramLogSize(nint program, out nuint size);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetProgramLog")] private static partial int GetProgramLog(nint program, [Out] byte[] log);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetPTXSize")] private static partial int GetPtxSize(nint program, out nuint size);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetPTX")] private static partial int GetPtx(nint program, [Out] byte[] ptx);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcDestroyProgram")] private static partial int DestroyProgram(ref nint program);

    private static void Check(int result, string call, string context)
    {
        if (result != 0) throw new CudaException(call, result, Marshal.PtrToStringUTF8(ErrorString(result)) ?? "NVRTC_ERROR", context);
    }

    public static (int Major, int Minor) GetVersion()
    {
        NativeLibraries.EnsureResolver();
        Check(Version(out var major, out var minor), "nvrtcVersion", "querying the NVRTC version");
        return (major, minor);
    }

    /// <summary>Compiles one translation unit to PTX; a compile error becomes an exception carrying NVRTC's log.</summary>
    public static byte[] CompileToPtx(string name, string source, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> options)
    {
        NativeLibraries.EnsureResolver();
        var allocated = new List<nint>();
        nint Utf8(string s) { var p = Marshal.StringToCoTaskMemUTF8(s); allocated.Add(p); return p; }
        try
        {
            var headerSources = headers.Values.Select(Utf8).ToArray();
            var headerNames = headers.Keys.Select(Utf8).ToArray();
            Check(CreateProgram(out var program, source, name, headers.Count, headerSources, headerNames), "nvrtcCreateProgram", $"creating {name}");
            try
            {
                int result = CompileProgram(program, options.Count, options.Select(Utf8).ToArray());
                if (result != 0)
                {
                    GetProgramLogSize(program, out var logSize);
                    var log = new byte[(int)logSize];
                    GetProgramLog(program, log);
                    throw new KernelCompilationException(name, System.Text.Encoding.UTF8.GetString(log).TrimEnd('\0', '\n'));
                }
                Check(GetPtxSize(program, out var size), "nvrtcGetPTXSize", $"reading the PTX of {name}");
                var ptx = new byte[(int)size];
                Check(GetPtx(program, ptx), "nvrtcGetPTX", $"reading the PTX of {name}");
                return ptx;
            }
            finally
            {
                DestroyProgram(ref program);
            }
        }
        finally
        {
            foreach (var p in allocated) Marshal.FreeCoTaskMem(p);
        }
    }
}

/// <summary>A kernel that NVRTC rejected: the file name and NVRTC's log.</summary>
public sealed class KernelCompilationException(string kernel, string log) : Exception($"NVRTC could not compile {kernel}:\n{log}")
{
    public string Kernel { get; } = kernel;
}
