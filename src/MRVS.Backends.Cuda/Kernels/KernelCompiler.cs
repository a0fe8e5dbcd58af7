using System.Security.Cryptography;
using System.Text;
using MRVS.Backends.Cuda.Interop;

namespace MRVS.Backends.Cuda.Kernels;

/// <summary>
/// A kernel file compiled for one target: PTX for a virtual architecture (compute_XX), a CUBIN for a real one (sm_XX);
/// <paramref name="Log"/> is NVRTC's log, with ptxas's resource usage per entry point when it was asked for.
/// </summary>
public sealed record CompiledKernel(string Name, string Target, byte[] Image, bool FromCache, string Log = "")
{
    public bool IsCubin => KernelCompiler.IsRealArchitecture(Target);
}

/// <summary>
/// Compiles the embedded kernels with NVRTC for one target, with fixed options and no fast-math unless the kernel
/// file opts in with a line <see cref="FastMathMarker"/>, caching the output on disk: $XDG_CACHE_HOME/mrvs/kernels
/// (or ~/.cache/mrvs/kernels), keyed by a hash of the source, the headers, the options and the NVRTC version.
/// <c>fmad: false</c> (NVRTC's --fmad=false) keeps every multiply and add separately rounded, as the emulation
/// computes them (the host compiler does not contract), to tell a GPU-vs-emulation difference from FMA rounding.
/// </summary>
public static class KernelCompiler
{
    /// <summary>A kernel file with this line is compiled with --use_fast_math (approximate division, exp, log;
    /// denormals flushed).</summary>
    public const string FastMathMarker = "// mrvs: fast-math";

    /// <param name="ptxasInfo">
    /// Ask ptxas for each entry point's registers, stack, spills and shared memory (in the log; CUBINs only).
    /// </param>
    public static IReadOnlyList<string> Options(string source, string target, bool fmad = true, bool ptxasInfo = false)
    {
        CheckTarget(target);
        List<string> options = [$"--gpu-architecture={target}", "-std=c++17", "-default-device"];
        if (source.Split('\n').Any(line => line.Trim() == FastMathMarker)) options.Add("--use_fast_math");
        if (!fmad) options.Add("--fmad=false");
        if (ptxasInfo) options.Add("--ptxas-options=-v");
        return options;
    }

    public static bool IsRealArchitecture(string target) => target.StartsWith("sm_", StringComparison.Ordinal);

    /// <summary>
    /// What to compile for a device of compute capability <paramref name="capability"/> (major·10 + minor): its own
    /// sm_XX CUBIN when NVRTC knows the architecture and emits CUBINs; else PTX for the newest architecture NVRTC knows
    /// that is not newer than the device, which the driver compiles at load (PTX runs on later architectures, CUBINs do
    /// not).
    /// </summary>
    /// <exception cref="NotSupportedException">NVRTC only knows architectures newer than the device.</exception>
    public static string TargetFor(int capability, IReadOnlyList<int> supported, bool canEmitCubin)
    {
        if (canEmitCubin && supported.Contains(capability)) return $"sm_{capability}";
        var older = supported.Where(a => a <= capability).ToList();
        if (older.Count == 0)
            throw new NotSupportedException($"this NVRTC compiles for " +
                $"{string.Join(", ", supported.Select(a => $"sm_{a}"))}; the GPU is sm_{capability} (use an older " +
                "CUDA toolkit, or --backend cpu)");
        return $"compute_{older.Max()}";
    }

    public static string CacheDirectory
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
            return Path.Combine(root, "mrvs", "kernels");
        }
    }

    /// <summary>Every kernel file for one target: what <c>mrvs kernels compile --arch</c> prints.</summary>
    public static IReadOnlyList<CompiledKernel> CompileAll(string target, bool fmad = true, bool ptxasInfo = false) =>
        KernelSources.Kernels.Keys.Select(k => Compile(k, target, fmad, ptxasInfo)).ToList();

    /// <summary>
    /// One kernel file (by name, without .cu) for compute_XX (PTX) or sm_XX (CUBIN); the log is cached with it.
    /// </summary>
    public static CompiledKernel Compile(string kernel, string target, bool fmad = true, bool ptxasInfo = false)
    {
        if (!KernelSources.Kernels.TryGetValue(kernel, out var source))
            throw new ArgumentException($"no kernel file named '{kernel}.cu' (have: " +
                $"{string.Join(", ", KernelSources.Kernels.Keys)})");
        var options = Options(source, target, fmad, ptxasInfo);
        var (major, minor) = Nvrtc.GetVersion();
        bool cubin = IsRealArchitecture(target);
        string key = Key(source, options, $"{major}.{minor}");
        string path = Path.Combine(CacheDirectory, $"{kernel}-{target}-{key}.{(cubin ? "cubin" : "ptx")}");
        string logPath = path + ".log";
        if (File.Exists(path) && File.Exists(logPath))
            return new CompiledKernel(kernel, target, File.ReadAllBytes(path), true, File.ReadAllText(logPath));
        var image = Nvrtc.Compile($"{kernel}.cu", source, KernelSources.Headers, options, cubin, out var log);
        TryWriteCache(logPath, System.Text.Encoding.UTF8.GetBytes(log));
        TryWriteCache(path, image);
        return new CompiledKernel(kernel, target, image, false, log);
    }

    private static void CheckTarget(string target)
    {
        int digits = target.StartsWith("compute_", StringComparison.Ordinal) ? 8 : IsRealArchitecture(target) ? 3 : -1;
        if (digits < 0 || target.Length < digits + 2 || !target[digits..].All(char.IsAsciiDigit))
            throw new ArgumentException($"target '{target}' is neither compute_XX (PTX) nor sm_XX (CUBIN), e.g. " +
                "compute_80 or sm_90");
    }

    private static string Key(string source, IReadOnlyList<string> options, string nvrtcVersion)
    {
        var sb = new StringBuilder(source);
        foreach (var (name, text) in KernelSources.Headers.OrderBy(h => h.Key, StringComparer.Ordinal)) sb.Append('\0')
            .Append(name).Append('\0').Append(text);
        sb.Append('\0').Append(string.Join(' ', options)).Append('\0').Append(nvrtcVersion);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
    }

    /// <summary>The cache is an optimisation: a read-only or full disk must not stop compilation.</summary>
    private static void TryWriteCache(string path, byte[] image)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var tmp = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(tmp, image);
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
