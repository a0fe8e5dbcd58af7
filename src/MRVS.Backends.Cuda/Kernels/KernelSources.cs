using System.Reflection;

namespace MRVS.Backends.Cuda.Kernels;

/// <summary>The kernels/*.cu sources and kernels/include/*.h headers, embedded in this assembly.</summary>
public static class KernelSources
{
    private static readonly Assembly Assembly = typeof(KernelSources).Assembly;

    /// <summary>Kernel name (file name without .cu) → source.</summary>
    public static IReadOnlyDictionary<string, string> Kernels { get; } = Load(".cu", "kernels/", include: false);

    /// <summary>Header name as kernels #include it → source.</summary>
    public static IReadOnlyDictionary<string, string> Headers { get; } = Load(".h", "kernels/include/", include: true);

    private static Dictionary<string, string> Load(string extension, string prefix, bool include)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(extension, StringComparison.Ordinal)) continue;
            string rest = name[prefix.Length..];
            if (rest.Contains('/')) continue;
            using var s = Assembly.GetManifestResourceStream(name)!;
            using var r = new StreamReader(s);
            result[include ? rest : rest[..^extension.Length]] = r.ReadToEnd();
        }
        return result;
    }
}
