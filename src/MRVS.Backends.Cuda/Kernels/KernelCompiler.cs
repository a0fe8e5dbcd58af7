using System.Security.Cryptography;
using System.Text;
using MRVS.Backends.Cuda.Interop;

namespace MRVS.Backends.Cuda.Kernels;

public sealed record CompiledKernel(string Name, string Arch, byte[] Ptx, bool FromCache);

/// <summary>
/// Compiles the embedded kernels with NVRTC for one virtual architecture (compute_XX), with fixed options and no
/// fast-math, caching the PTX on disk: $XDG_CACHE_HOME/mrvs/kernels (or ~/.cache/mrvs/kernels), keyed by a hash of
/// the source, the headers, the options, the architecture and the NVRTC version.
/// </summary>
public static class KernelCompiler
{
    public static IReadOnlyList<string> Options(string arch) => [$"--gpu-architecture={arch}", "-std=c++17", "-default-device"];

    public static string CacheDirectory
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
            return Path.Combine(root, "mrvs", "kernels");
        }
    }

    public static IReadOnlyList<CompiledKernel> CompileAll(string arch) => KernelSources.Kernels.Keys.Select(k => Compile(k, arch)).ToList();

    public static CompiledKernel Compile(string kernel, string arch)
    {
        if (!KernelSources.Kernels.TryGetValue(kernel, out var source))
            throw new ArgumentException($"no kernel named '{kernel}' (have: {string.Join(", ", KernelSources.Kernels.Keys)})");
        if (!arch.StartsWith("compute_", StringComparison.Ordinal))
            throw new ArgumentException($"architecture '{arch}' is not of the form compute_XX (e.g. compute_80, compute_90)");
        var (major, minor) = Nvrtc.GetVersion();
        var options = Options(arch);
        string key = Key(source, options, $"{major}.{minor}");
        string path = Path.Combine(CacheDirectory, $"{kernel}-{arch}-{key}.ptx");
        if (File.Exists(path)) return new CompiledKernel(kernel, arch, File.ReadAllBytes(path), true);
        var ptx = Nvrtc.CompileToPtx($"{kernel}.cu", source, KernelSources.Headers, options);
        TryWriteCache(path, ptx);
        return new CompiledKernel(kernel, arch, ptx, false);
    }

    private static string Key(string source, IReadOnlyList<string> options, string nvrtcVersion)
    {
        var sb = new StringBuilder(source);
        foreach (var (name, text) in KernelSources.Headers.OrderBy(h => h.Key, StringComparer.Ordinal)) sb.Append('\0').Append(name).Append('\0').Append(text);
        sb.Append('\0').Append(string.Join(' ', options)).Append('\0').Append(nvrtcVersion);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
    }

    /// <summary>The cache is an optimisation: a read-only or full disk must not stop compilation.</summary>
    private static void TryWriteCache(string path, byte[] ptx)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var tmp = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(tmp, ptx);
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
