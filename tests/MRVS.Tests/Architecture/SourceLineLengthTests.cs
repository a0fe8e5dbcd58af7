using System.Text.RegularExpressions;
using MRVS.Tests.Support;

namespace MRVS.Tests.Architecture;

/// <summary>
/// No source line is longer than .editorconfig's <c>max_line_length</c>: `dotnet format` does not wrap lines, so this
/// is the check that keeps the C# sources and the kernels readable side by side in a review.
/// </summary>
public partial class SourceLineLengthTests
{
    private static readonly string[] Folders = ["src", "tests", "tools", "benchmarks", "samples", "kernels"];
    private static readonly string[] Extensions = [".cs", ".cu", ".h", ".cpp"];

    [GeneratedRegex(@"^\s*max_line_length\s*=\s*(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex MaxLineLength();

    private static int Limit()
    {
        var editorconfig = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, ".editorconfig"));
        var value = MaxLineLength().Match(editorconfig).Groups[1].Value;
        return int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsBuildOutput(string path) =>
        path.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "build" or "publish");

    /// <summary>"file:line (length)" of every line longer than <paramref name="limit"/>.</summary>
    public static IEnumerable<string> LongLines(IEnumerable<string> files, int limit)
    {
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
                if (lines[i].Length > limit)
                    yield return $"{Path.GetRelativePath(Fixtures.RepoRoot, file)}:{i + 1} ({lines[i].Length})";
        }
    }

    [Test]
    public void NoSourceLineIsLongerThanTheEditorconfigLimit()
    {
        int limit = Limit();
        var files = Folders.Select(f => Path.Combine(Fixtures.RepoRoot, f)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => Extensions.Contains(Path.GetExtension(f)))
            .Where(f => !IsBuildOutput(Path.GetRelativePath(Fixtures.RepoRoot, f)))
            .ToList();
        Assert.That(files, Has.Count.GreaterThan(100), "the sources were found");
        Assert.That(LongLines(files, limit), Is.Empty, $"lines longer than {limit} characters");
    }

    [Test]
    public void TheCheckNamesFileLineAndLength()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mrvs-line-length-{Guid.NewGuid():N}.cs");
        File.WriteAllLines(file, ["short", new string('x', 121)]);
        try
        {
            Assert.That(LongLines([file], 120).Single(), Does.EndWith(":2 (121)"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
