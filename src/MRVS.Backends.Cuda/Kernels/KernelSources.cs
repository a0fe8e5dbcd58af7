using System.Reflection;
using System.Text.RegularExpressions;

namespace MRVS.Backends.Cuda.Kernels;

/// <summary>The kernels/*.cu sources and kernels/include/*.h headers, embedded in this assembly.</summary>
public static partial class KernelSources
{
    private static readonly Assembly Assembly = typeof(KernelSources).Assembly;

    /// <summary>Kernel file name (without .cu) → source.</summary>
    public static IReadOnlyDictionary<string, string> Kernels { get; } = Load(".cu", "kernels/", include: false);

    /// <summary>Header name as kernels #include it → source.</summary>
    public static IReadOnlyDictionary<string, string> Headers { get; } = Load(".h", "kernels/include/", include: true);

    /// <summary>Entry point (an extern "C" __global__ function) → the kernel file defining it; a file may define
    /// several.</summary>
    public static IReadOnlyDictionary<string, string> EntryPoints { get; } = FindEntryPoints(Kernels);

    /// <summary>The kernel file to compile for an entry point, e.g. sine_position_encoding for
    /// sine_position_encoding_2d.</summary>
    public static string FileDefining(string entryPoint) =>
        EntryPoints.TryGetValue(entryPoint, out var file) ? file
            : throw new ArgumentException($"no kernel in kernels/ defines an entry point named '{entryPoint}'");

    /// <summary>The extern "C" __global__ functions of a CUDA source, in order.</summary>
    public static IReadOnlyList<string> EntryPointsOf(string source) =>
        [.. EntryPointPattern().Matches(source).Select(m => m.Groups[1].Value)];

    /// <summary>An extern "C" __global__ function up to its opening parenthesis; group 1 is its name.</summary>
    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+(?:__launch_bounds__\((?:[^()]|\([^()]*\))*\)\s+)?void\s+"
        + @"(?:__launch_bounds__\((?:[^()]|\([^()]*\))*\)\s+)?(\w+)\s*\(")]
    internal static partial Regex EntryPointPattern();

    private static Dictionary<string, string> FindEntryPoints(IReadOnlyDictionary<string, string> kernels)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, source) in kernels)
            foreach (var entry in EntryPointsOf(source))
                if (!result.TryAdd(entry, file))
                    throw new InvalidOperationException($"entry point '{entry}' is defined by both " +
                        $"kernels/{result[entry]}.cu and kernels/{file}.cu");
        return result;
    }

    private static Dictionary<string, string> Load(string extension, string prefix, bool include)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)
                || !name.EndsWith(extension, StringComparison.Ordinal))
                continue;
            string rest = name[prefix.Length..];
            if (rest.Contains('/')) continue;
            using var s = Assembly.GetManifestResourceStream(name)!;
            using var r = new StreamReader(s);
            result[include ? rest : rest[..^extension.Length]] = r.ReadToEnd();
        }
        return result;
    }
}
