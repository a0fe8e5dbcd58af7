using System.Text.RegularExpressions;
using MRVS.Backends.Cuda.Interop;
using MRVS.Tests.Support;

namespace MRVS.Tests.Cuda;

/// <summary>Library probing beyond loading (the missing-driver sentence is in <see cref="GpuTests"/>).</summary>
public partial class NativeLibrariesTests
{
    [Test]
    public void OptionalExportsAreProbedWithoutThrowing()
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc)) Assert.Ignore("skipped: libnvrtc not found");
        Assert.That(NativeLibraries.HasExport(NativeLibraries.Nvrtc, "nvrtcCompileProgram"));
        Assert.That(NativeLibraries.HasExport(NativeLibraries.Nvrtc, "nvrtcNoSuchCall"), Is.False);
    }

    /// <summary>
    /// Every LibraryImport entry point is exported by each library found here (libnvrtc in CI; libcuda, libcublas and
    /// libcublasLt too on a GPU machine or where MRVS_LIBCUDA / MRVS_LIBCUBLAS / MRVS_LIBCUBLASLT point at them), so
    /// no call fails at its first use.
    /// </summary>
    [TestCase(NativeLibraries.Cuda)]
    [TestCase(NativeLibraries.Cublas)]
    [TestCase(NativeLibraries.CublasLt)]
    [TestCase(NativeLibraries.Nvrtc)]
    public void EveryEntryPointIsExported(string library)
    {
        var entryPoints = Directory.GetFiles(Path.Combine(Fixtures.RepoRoot, "src", "MRVS.Backends.Cuda", "Interop"),
            "*.cs")
            .SelectMany(f => Declaration().Matches(File.ReadAllText(f)))
            .Where(m => m.Groups[1].Value.Equals(library, StringComparison.OrdinalIgnoreCase))
            .Select(m => m.Groups[2].Value)
            .ToList();
        Assert.That(entryPoints, Is.Not.Empty);
        if (!NativeLibraries.IsAvailable(library)) Assert.Ignore($"skipped: lib{library} not found");
        // The driver has one or both of these (cuEventElapsedTime_v2 from CUDA 12.8 on); CudaDriver calls the one it
        // finds.
        string[] eitherOf = ["cuEventElapsedTime", "cuEventElapsedTime_v2"];
        Assert.That(entryPoints.Except(eitherOf).Where(e => !NativeLibraries.HasExport(library, e)), Is.Empty,
            $"entry points missing from lib{library}");
        if (library == NativeLibraries.Cuda) Assert.That(eitherOf.Any(e => NativeLibraries.HasExport(library, e)));
    }

    // [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuInit")]
    [GeneratedRegex(@"\[LibraryImport\(NativeLibraries\.(\w+),\s*EntryPoint\s*=\s*""(\w+)""")]
    private static partial Regex Declaration();
}
