using System.Globalization;
using System.Text.RegularExpressions;

namespace MRVS.Backends.Cuda.Kernels;

/// <summary>
/// What ptxas allocated for one entry point of a CUBIN (NVRTC's log with <c>--ptxas-options=-v</c>): registers per
/// thread; the stack frame (local memory: arrays indexed at run time, spills); spill stores and loads; static shared
/// memory; constant bank 0 (kernel parameters and literals; ptxas does not print it for every target).
/// </summary>
public sealed partial record KernelResources(string EntryPoint, string Target, int Registers, int StackFrameBytes,
    int SpillStoreBytes, int SpillLoadBytes, int StaticSharedBytes, int? ConstantBytes)
{
    /// <summary>The entry points ptxas reports in <paramref name="log"/>, in its order.</summary>
    /// <exception cref="FormatException">An entry point without its "Used … registers" line.</exception>
    public static IReadOnlyList<KernelResources> Parse(string log)
    {
        var frames = new Dictionary<string, (int Stack, int Stores, int Loads)>(StringComparer.Ordinal);
        var entries = new List<(string Name, string Target, Match? Used)>();
        string? properties = null;
        foreach (var line in log.Split('\n'))
        {
            Match m;
            if ((m = EntryPattern().Match(line)).Success) entries.Add((m.Groups[1].Value, m.Groups[2].Value, null));
            else if ((m = PropertiesPattern().Match(line)).Success) properties = m.Groups[1].Value;
            else if ((m = FramePattern().Match(line)).Success && properties != null)
                frames[properties] = (Int(m.Groups[1]), Int(m.Groups[2]), Int(m.Groups[3]));
            else if ((m = UsedPattern().Match(line)).Success && entries.Count > 0 && entries[^1].Used is null)
                entries[^1] = entries[^1] with { Used = m };
        }
        return entries.Select(e =>
        {
            if (e.Used is null)
                throw new FormatException($"ptxas reported no register count for entry point '{e.Name}'");
            var (stack, stores, loads) = frames.GetValueOrDefault(e.Name);
            string rest = e.Used.Groups[2].Value;
            var smem = SharedPattern().Match(rest);
            var cmem = ConstantPattern().Match(rest);
            return new KernelResources(e.Name, e.Target, Int(e.Used.Groups[1]), stack, stores, loads,
                smem.Success ? Int(smem.Groups[1]) : 0, cmem.Success ? Int(cmem.Groups[1]) : null);
        }).ToList();
    }

    private static int Int(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Compiling entry function '(\w+)' for '(\w+)'")]
    private static partial Regex EntryPattern();

    [GeneratedRegex(@"Function properties for (\w+)")]
    private static partial Regex PropertiesPattern();

    [GeneratedRegex(@"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")]
    private static partial Regex FramePattern();

    [GeneratedRegex(@"Used (\d+) registers(.*)$")]
    private static partial Regex UsedPattern();

    [GeneratedRegex(@"(\d+) bytes smem")]
    private static partial Regex SharedPattern();

    [GeneratedRegex(@"(\d+) bytes cmem\[0\]")]
    private static partial Regex ConstantPattern();
}
