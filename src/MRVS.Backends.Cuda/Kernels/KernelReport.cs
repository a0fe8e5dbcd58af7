namespace MRVS.Backends.Cuda.Kernels;

/// <summary>
/// One entry point in <see cref="KernelReport"/>: ptxas's figures, the block its launches use and the occupancy that
/// gives.
/// </summary>
/// <param name="DynamicShared">The kernel also takes dynamic shared memory, set at launch (not counted here).</param>
/// <param name="Occupancy">At the launch bound's block size (its maximum for a shape-set block).</param>
public sealed record KernelReportEntry(string File, KernelResources Resources, LaunchBound Bound, bool DynamicShared,
    Occupancy Occupancy);

/// <summary>
/// <c>mrvs kernels report</c>: every entry point of kernels/*.cu compiled by NVRTC for a real architecture (no GPU
/// needed), with ptxas's registers, stack frame, spills and shared memory, its <c>__launch_bounds__</c> block and the
/// theoretical occupancy on that architecture (<see cref="GpuArchitecture"/>).
/// </summary>
public static class KernelReport
{
    public const string DynamicSharedMarker = "MRVS_DYNAMIC_SMEM";

    /// <param name="arch">sm_80, sm_86, sm_89 or sm_90.</param>
    public static IReadOnlyList<KernelReportEntry> Build(string arch, bool fmad = true)
    {
        var limits = GpuArchitecture.Of(arch);
        return [.. KernelCompiler.CompileAll(arch, fmad, ptxasInfo: true)
            .SelectMany(k => Entries(k.Name, KernelSources.Kernels[k.Name], k.Log, KernelSignatures.Embedded, limits))];
    }

    /// <summary>
    /// The entry points of one kernel file, from ptxas's <paramref name="log"/> of its CUBIN and the launch bounds in
    /// <paramref name="signatures"/>.
    /// </summary>
    public static IEnumerable<KernelReportEntry> Entries(string file, string source, string log,
        KernelSignatures signatures, GpuArchitecture limits)
    {
        var resources = KernelResources.Parse(log).ToDictionary(r => r.EntryPoint, StringComparer.Ordinal);
        bool dynamicShared = source.Contains(DynamicSharedMarker, StringComparison.Ordinal);
        foreach (var entry in KernelSources.EntryPointsOf(source))
        {
            var r = resources.GetValueOrDefault(entry) ?? throw new InvalidOperationException(
                $"ptxas reported nothing for {entry} in {file}.cu (was it compiled for an sm_XX with -v?)");
            var bound = signatures.BoundOf(entry) ?? throw new InvalidOperationException(
                $"{entry} in {file}.cu has no __launch_bounds__: every kernel states its block size");
            var occupancy = limits.Occupancy(bound.Threads, r.Registers, r.StaticSharedBytes);
            yield return new KernelReportEntry(file, r, bound, dynamicShared, occupancy);
        }
    }
}
