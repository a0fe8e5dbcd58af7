using System.Runtime.InteropServices;
using MRVS.Core.Errors;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>The NVRTC calls the kernel compiler uses; every result is checked.</summary>
public static partial class Nvrtc
{
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcVersion")]
    private static partial int Version(out int major, out int minor);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetNumSupportedArchs")]
    private static partial int GetNumSupportedArchs(out int count);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetSupportedArchs")]
    private static partial int GetSupportedArchs([Out] int[] architectures);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetErrorString")]
    private static partial nint ErrorString(int result);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcCreateProgram",
        StringMarshalling = StringMarshalling.Utf8)]
    private static partial int CreateProgram(out nint program, string source, string name, int headers,
        [In] nint[] headerSources, [In] nint[] headerNames);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcCompileProgram")]
    private static partial int CompileProgram(nint program, int count, [In] nint[] options);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetProgramLogSize")]
    private static partial int GetProgramLogSize(nint program, out nuint size);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetProgramLog")]
    private static partial int GetProgramLog(nint program, [Out] byte[] log);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetPTXSize")]
    private static partial int GetPtxSize(nint program, out nuint size);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetPTX")]
    private static partial int GetPtx(nint program, [Out] byte[] ptx);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetCUBINSize")]
    private static partial int GetCubinSize(nint program, out nuint size);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetCUBIN")]
    private static partial int GetCubin(nint program, [Out] byte[] cubin);
    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcDestroyProgram")]
    private static partial int DestroyProgram(ref nint program);

    private static void Check(int result, string call, string context)
    {
        if (result != 0)
            throw new CudaException(call, result, Marshal.PtrToStringUTF8(ErrorString(result)) ?? "NVRTC_ERROR",
                context);
    }

    public static (int Major, int Minor) GetVersion()
    {
        NativeLibraries.EnsureResolver();
        Check(Version(out var major, out var minor), "nvrtcVersion", "querying the NVRTC version");
        return (major, minor);
    }

    /// <summary>The architectures this NVRTC compiles for, as compute capabilities times ten (e.g. 75, 80, 90),
    /// ascending.</summary>
    public static IReadOnlyList<int> GetSupportedArchitectures()
    {
        NativeLibraries.EnsureResolver();
        Check(GetNumSupportedArchs(out var count), "nvrtcGetNumSupportedArchs",
            "listing the architectures NVRTC compiles for");
        var architectures = new int[count];
        Check(GetSupportedArchs(architectures), "nvrtcGetSupportedArchs",
            "listing the architectures NVRTC compiles for");
        return [.. architectures.Order()];
    }

    /// <summary>Whether this NVRTC can emit CUBINs (nvrtcGetCUBIN, from CUDA 11.1 on); otherwise only PTX.</summary>
    public static bool CanEmitCubin => NativeLibraries.HasExport(NativeLibraries.Nvrtc, "nvrtcGetCUBIN");

    /// <summary>
    /// Compiles one translation unit: PTX when the options name a virtual architecture (compute_XX), a CUBIN when they
    /// name a real one (sm_XX, <paramref name="cubin"/> true). A compile error becomes a <see
    /// cref="KernelCompilationException"/> carrying NVRTC's log.
    /// </summary>
    public static byte[] Compile(string name, string source, IReadOnlyDictionary<string, string> headers,
        IReadOnlyList<string> options, bool cubin = false) =>
        Compile(name, source, headers, options, cubin, out _);

    /// <summary>As the overload without <paramref name="log"/>, with NVRTC's log (warnings, ptxas info).</summary>
    public static byte[] Compile(string name, string source, IReadOnlyDictionary<string, string> headers,
        IReadOnlyList<string> options, bool cubin, out string log)
    {
        NativeLibraries.EnsureResolver();
        var allocated = new List<nint>();
        nint Utf8(string s) { var p = Marshal.StringToCoTaskMemUTF8(s); allocated.Add(p); return p; }
        try
        {
            var headerSources = headers.Values.Select(Utf8).ToArray();
            var headerNames = headers.Keys.Select(Utf8).ToArray();
            Check(CreateProgram(out var program, source, name, headers.Count, headerSources, headerNames),
                "nvrtcCreateProgram", $"creating {name}");
            try
            {
                int result = CompileProgram(program, options.Count, options.Select(Utf8).ToArray());
                if (result != 0)
                {
                    string failure = Log(program, name);
                    if (result == 6) throw new KernelCompilationException(name, failure); // NVRTC_ERROR_COMPILATION
                    Check(result, "nvrtcCompileProgram", $"compiling {name} ({string.Join(' ', options)}): {failure}");
                }
                log = Log(program, name);
                return cubin
                    ? Output(program, GetCubinSize, GetCubin, "nvrtcGetCUBINSize", "nvrtcGetCUBIN",
                        $"reading the CUBIN of {name}")
                    : Output(program, GetPtxSize, GetPtx, "nvrtcGetPTXSize", "nvrtcGetPTX",
                        $"reading the PTX of {name}");
            }
            finally
            {
                Check(DestroyProgram(ref program), "nvrtcDestroyProgram", $"releasing the program of {name}");
            }
        }
        finally
        {
            foreach (var p in allocated) Marshal.FreeCoTaskMem(p);
        }
    }

    private static string Log(nint program, string name)
    {
        Check(GetProgramLogSize(program, out var size), "nvrtcGetProgramLogSize", $"reading the compile log of {name}");
        var log = new byte[(int)size];
        Check(GetProgramLog(program, log), "nvrtcGetProgramLog", $"reading the compile log of {name}");
        return System.Text.Encoding.UTF8.GetString(log).TrimEnd('\0', '\n');
    }

    private delegate int SizeQuery(nint program, out nuint size);

    private static byte[] Output(nint program, SizeQuery size, Func<nint, byte[], int> read, string sizeCall,
        string readCall, string context)
    {
        Check(size(program, out var bytes), sizeCall, context);
        var output = new byte[(int)bytes];
        Check(read(program, output), readCall, context);
        return output;
    }
}

/// <summary>A kernel that NVRTC rejected: the file name and NVRTC's log.</summary>
public sealed class KernelCompilationException(string kernel, string log)
    : MrvsException(MrvsErrorKind.Device, $"NVRTC could not compile {kernel}:\n{log}")
{
    public string Kernel { get; } = kernel;
    public string Log { get; } = log;
}
