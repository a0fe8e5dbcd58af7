using System.Text.RegularExpressions;
using System.Xml.Linq;
using MRVS.Tests.Support;

namespace MRVS.Tests.Architecture;

/// <summary>
/// The project graph points one way, Core ← Backends ← Models ← Pipeline ← Cli: a project references only
/// layers below it; the one edge between backends is the emulated device's (it runs the CUDA backend with the CPU GEMM
/// as its cuBLAS); only Pipeline (for its backend factory) and the CLI reference a backend. Read from the csproj files.
/// </summary>
public partial class LayeringTests
{
    private static readonly (string Prefix, int Layer)[] Layers =
        [("MRVS.Core", 0), ("MRVS.Backends.", 1), ("MRVS.Models", 2), ("MRVS.Pipeline", 3), ("MRVS.Cli", 4)];

    private static readonly (string From, string To)[] BackendEdges =
        [("MRVS.Backends.Cuda.Emulation", "MRVS.Backends.Cpu"), ("MRVS.Backends.Cuda.Emulation", "MRVS.Backends.Cuda")];

    private static readonly string[] BackendUsers = ["MRVS.Pipeline", "MRVS.Cli"];

    private static int Layer(string project) =>
        Layers.Where(l => project == l.Prefix || project.StartsWith(l.Prefix, StringComparison.Ordinal)).Select(l =>
            l.Layer).DefaultIfEmpty(-1).First();

    private static bool IsBackend(string project) => Layer(project) == 1;

    /// <summary>Every reference that breaks the layering, as "from → to: why".</summary>
    public static IEnumerable<string> Violations(IEnumerable<(string From, string To)> references)
    {
        foreach (var (from, to) in references)
        {
            int a = Layer(from), b = Layer(to);
            if (a < 0 || b < 0) yield return $"{from} → {to}: not a layer of src/";
            else if (b > a) yield return $"{from} → {to}: references a layer above it";
            else if (b == a && !BackendEdges.Contains((from,
                to))) yield return $"{from} → {to}: references a project beside it";
            else if (IsBackend(to) && !IsBackend(from)
                && !BackendUsers.Contains(from)) yield return $"{from} → {to}: only the backend factory's project " +
                    $"and the CLI name a backend";
        }
    }

    private static IEnumerable<(string From, string To)> ProjectReferences()
    {
        foreach (var csproj in Directory.GetFiles(Path.Combine(Fixtures.RepoRoot, "src"), "*.csproj",
            SearchOption.AllDirectories))
            foreach (var include in XDocument.Load(csproj).Descendants("ProjectReference").Select(r =>
                (string)r.Attribute("Include")!))
                yield return (Path.GetFileNameWithoutExtension(csproj),
                    Path.GetFileNameWithoutExtension(include.Replace('\\', '/')));
    }

    [Test]
    public void ProjectReferencesPointOneWay()
    {
        var references = ProjectReferences().ToList();
        Assert.That(references, Has.Count.GreaterThan(5), "the src/ projects were found");
        Assert.That(Violations(references), Is.Empty);
    }

    [Test]
    public void TheCheckNamesReferencesAboveOrBeside()
    {
        Assert.That(Violations([("MRVS.Core", "MRVS.Models")]),
            Is.EqualTo(new[] { "MRVS.Core → MRVS.Models: references a layer above it" }));
        Assert.That(Violations([("MRVS.Backends.Cuda", "MRVS.Backends.Cpu")]), Has.One.Contains("beside it"));
        Assert.That(Violations([("MRVS.Models", "MRVS.Backends.Cpu")]),
            Has.One.Contains("only the backend factory's project"));
        Assert.That(Violations([("MRVS.Pipeline", "MRVS.Backends.Cuda"), ("MRVS.Backends.Cuda.Emulation",
            "MRVS.Backends.Cpu")]), Is.Empty);
    }

    /// <summary>In Pipeline, which references the backends for its factory, no other file names them.</summary>
    [Test]
    public void OnlyTheBackendFactoryNamesABackendInPipeline()
    {
        var pipeline = Path.Combine(Fixtures.RepoRoot, "src", "MRVS.Pipeline");
        var naming = Directory.GetFiles(pipeline, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && BackendNamespace().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(pipeline, f));
        Assert.That(naming, Is.EquivalentTo(new[] { "BackendFactory.cs" }));
    }

    [GeneratedRegex(@"\bMRVS\.Backends\b|\bBackends\.(Cpu|Cuda)\b")]
    private static partial Regex BackendNamespace();
}
