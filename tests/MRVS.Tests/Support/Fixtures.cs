namespace MRVS.Tests.Support;

/// <summary>Locates the golden fixtures in ../shared/fixtures beside the repository root.</summary>
public static class Fixtures
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Root
    {
        get
        {
            var dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));
            if (!Directory.Exists(dir))
                Assert.Fail($"golden fixtures not found at {dir}: the tests read them from ../shared/fixtures beside " +
                    $"the repository root");
            return dir;
        }
    }

    public static string Dir(string name) => Path.Combine(Root, name);

    public static string File(string fixture, string file)
    {
        var p = Path.Combine(Root, fixture, file);
        if (!System.IO.File.Exists(p)) Assert.Fail($"fixture file missing: {p}");
        return p;
    }

    public static readonly string[] Models = ["soc-tiny", "socpp-tiny", "soc-tiny-t10"];

    /// <summary>The fixtures generated with every intermediate ("full" detail); soc-tiny-t10 keeps fewer.</summary>
    public static readonly string[] FullDetail = ["soc-tiny", "socpp-tiny"];

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (System.IO.File.Exists(Path.Combine(d.FullName, "MRVS.Native.sln"))) return d.FullName;
        throw new InvalidOperationException($"MRVS.Native.sln not found above {AppContext.BaseDirectory}");
    }
}
