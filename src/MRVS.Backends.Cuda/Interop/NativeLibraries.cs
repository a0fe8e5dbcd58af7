using System.Reflection;
using System.Runtime.InteropServices;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>
/// Resolves the library names used by the LibraryImport declarations ("cuda", "nvrtc", "cublas", "cublasLt") to the
/// first versioned shared object found (CUDA 13, 12, then 11) on the loader's path, then for the toolkit's libraries
/// in lib64 of $CUDA_HOME, $CUDA_PATH or /usr/local/cuda (where NVIDIA's installer puts them without adding them to
/// the loader's path); or to the path in MRVS_LIBCUDA / MRVS_LIBNVRTC / MRVS_LIBCUBLAS / MRVS_LIBCUBLASLT.
/// </summary>
public static class NativeLibraries
{
    public const string Cuda = "cuda", Nvrtc = "nvrtc", Cublas = "cublas", CublasLt = "cublasLt";

    private static readonly Dictionary<string, (string Env, string[] Names)> Candidates = new()
    {
        [Cuda] = ("MRVS_LIBCUDA", ["libcuda.so.1", "libcuda.so"]),
        [Nvrtc] = ("MRVS_LIBNVRTC", ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"]),
        [Cublas] = ("MRVS_LIBCUBLAS", ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"]),
        [CublasLt] = ("MRVS_LIBCUBLASLT",
            ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"]),
    };

    private static readonly Dictionary<string, nint> Loaded = [];
    private static int _registered;

    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
    }

    /// <summary>Whether the library can be loaded, without throwing.</summary>
    public static bool IsAvailable(string library) => TryLoad(library, out _);

    /// <summary>Loads the library or throws <see cref="CudaUnavailableException"/> with one clear sentence.</summary>
    public static nint Require(string library)
    {
        if (TryLoad(library, out var handle)) return handle;
        var (env, names) = Candidates[library];
        string what = library == Cuda ? "no CUDA driver found" : $"lib{library} not found";
        string where = library == Cuda ? ""
            : " on the loader's path and in lib64 of $CUDA_HOME, $CUDA_PATH and /usr/local/cuda";
        string tried = string.IsNullOrEmpty(Environment.GetEnvironmentVariable(env))
            ? $"tried {string.Join(", ", names)}{where}; set {env} to its path"
            : $"tried {SearchList(library)[0]} from {env}";
        throw new CudaUnavailableException($"{what} ({tried}); the CPU backend remains available (--backend cpu)");
    }

    /// <summary>Whether the library loads and exports <paramref name="symbol"/> (for calls newer than the oldest
    /// supported version).</summary>
    public static bool HasExport(string library, string symbol) => TryLoad(library, out var handle)
        && NativeLibrary.TryGetExport(handle, symbol, out _);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        Candidates.ContainsKey(name) ? Require(name) : 0;

    /// <summary>The override's path when set, else the versioned names from newest to oldest, then (not for the driver)
    /// the same in the toolkit folders.</summary>
    private static string[] SearchList(string library)
    {
        var (env, names) = Candidates[library];
        var overridden = Environment.GetEnvironmentVariable(env);
        if (!string.IsNullOrEmpty(overridden)) return [overridden];
        if (library == Cuda) return names;
        var toolkits = new[] { Environment.GetEnvironmentVariable("CUDA_HOME"),
            Environment.GetEnvironmentVariable("CUDA_PATH"), "/usr/local/cuda" }
            .Where(d => !string.IsNullOrEmpty(d)).Distinct();
        return [.. names, .. toolkits.SelectMany(d => names.Select(n => Path.Combine(d!, "lib64", n)))];
    }

    private static bool TryLoad(string library, out nint handle)
    {
        lock (Loaded)
        {
            if (Loaded.TryGetValue(library, out handle)) return handle != 0;
            handle = 0;
            foreach (var n in SearchList(library))
                if (NativeLibrary.TryLoad(n, out handle)) break;
            Loaded[library] = handle;
            return handle != 0;
        }
    }
}
