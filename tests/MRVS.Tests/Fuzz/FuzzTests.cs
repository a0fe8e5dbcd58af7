using System.Diagnostics;
using System.Globalization;
using MRVS.Tests.Robustness;
using MRVS.Tests.Support;

namespace MRVS.Tests.Fuzz;

/// <summary>
/// Seeded mutation fuzzing of every input the engine reads (issue 10), through <c>mrvs</c>'s own entry point
/// in-process. Every case must end in success (exit 0) or in one line on stderr naming the input, with exit 2 (a bug of
/// ours is exit 70, a crash ends the run); within <see cref="CaseTimeout"/> and <see cref="MemoryBound"/> of extra
/// resident memory; leaving no staging folder, and no output folder when it failed. CI runs <see cref="DefaultCases"/>
/// cases (about a minute); MRVS_FUZZ_CASES sets another total, MRVS_FUZZ_SEED another seed, and MRVS_FUZZ_REPORT a file
/// that gets one JSON line of figures per target. Failing inputs are kept in MRVS_FUZZ_FAILURES (default: the system's
/// temp folder) for replay.
/// </summary>
[Category(TestCategory.Fuzz)]
[NonParallelizable]
public class FuzzTests
{
    public const int DefaultCases = 600;
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(120);
    public const long MemoryBound = 1L << 30;

    private static readonly string[] DotNetText =
        ["(Parameter '", "System.", "Exception", "Attempted to", "An item with the same key", "Arithmetic operation",
            "Cannot transcode", "   at "];

    private MicroModel _model = null!;

    [OneTimeSetUp] public void OneTimeSetUp() => _model = new MicroModel();
    [OneTimeTearDown] public void OneTimeTearDown() => _model.Dispose();

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture,
            out var v) && v > 0 ? v : fallback;

    public static IEnumerable<string> Targets
        => ["safetensors", "config", "vocab", "merges", "pickle", "checkpoint-zip", "gif", "png", "jpeg", "mask-png",
            "dataset-json"];

    [TestCaseSource(nameof(Targets))]
    public void MutatedInputsKeepTheContract(string name)
    {
        var targets = FuzzTargets.All(_model);
        var target = targets.Single(t => t.Name == name);
        int total = Setting("MRVS_FUZZ_CASES", DefaultCases), seed = Setting("MRVS_FUZZ_SEED", 1);
        int cases = Math.Max(1, total * target.Weight / targets.Sum(t => t.Weight));
        var failures = Environment.GetEnvironmentVariable("MRVS_FUZZ_FAILURES") ?? Path.GetTempPath();
        var stats = new Stats(name, cases, seed);
        var problems = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var rng = new Random(HashCode.Combine(seed, name.GetHashCode(StringComparison.Ordinal), i));
            var mutator = new Mutator(rng);
            var input = target.Mutate(mutator, target.Seeds[rng.Next(target.Seeds.Count)]);
            var dir = Directory.CreateTempSubdirectory($"mrvs-fuzz-{name}-").FullName;
            try
            {
                var args = target.Prepare(dir, input);
                TestContext.Progress.WriteLine($"fuzz {name} case {i} (seed {seed})");
                Mrvs.Result? result = null;
                long peak = PeakMemory.Above(() => result = Mrvs.RunWithin(CaseTimeout, args), collect: i % 50 == 0);
                var problem = Check(result, peak, dir, stats);
                if (problem is null) continue;
                problems.Add($"case {i}: {problem}");
                var kept = Path.Combine(failures, $"mrvs-fuzz-{name}-seed{seed}-case{i}.bin");
                File.WriteAllBytes(kept, input);
                if (result is null) break; // a hung case keeps its thread: stop here
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
        }
        stats.Seconds = clock.Elapsed.TotalSeconds;
        TestContext.Progress.WriteLine(stats.ToString());
        foreach (var sample in stats.Samples) TestContext.Progress.WriteLine($"  e.g. {sample}");
        if (Environment.GetEnvironmentVariable("MRVS_FUZZ_REPORT") is { Length: > 0 } report)
            File.AppendAllText(report, stats.Json() + "\n");
        Assert.That(problems, Is.Empty,
            $"{problems.Count} of {cases} cases broke the contract (inputs kept in {failures})");
    }

    private static string? Check(Mrvs.Result? result, long peak, string dir, Stats stats)
    {
        stats.MaxPeak = Math.Max(stats.MaxPeak, peak);
        if (result is not { } r) { stats.Hangs++; return $"no result after {CaseTimeout.TotalSeconds} s"; }
        if (peak > MemoryBound) { stats.OverMemory++; return $"peak memory {peak >> 20} MiB"; }
        if (Directory.GetDirectories(dir, ".*",
            SearchOption.AllDirectories).Length > 0) { stats.Partial++; return "a staging folder was left"; }
        if (r.Code == 0)
        {
            stats.Succeeded++;
            return r.StderrLines.All(l => l.StartsWith("mrvs: warning:", StringComparison.Ordinal)) ? null
                : $"success with stderr: {r.Stderr}";
        }
        if (r.Code != 2) { stats.Crashes++; return $"exit {r.Code}: {r.Stderr}"; }
        stats.Refused++;
        if (stats.Samples.Count < 3 && r.StderrLines.Length > 0) stats.Samples.Add(r.StderrLines[0]);
        if (Directory.Exists(Path.Combine(dir, "out")))
        {
            stats.Partial++;
            return "a failed run left its output folder";
        }
        if (r.StderrLines.Length != 1)
        {
            stats.BadMessages++;
            return $"{r.StderrLines.Length} lines on stderr: {r.Stderr}";
        }
        var line = r.StderrLines[0];
        // Named: the message points at the input (its file or folder) or at frames of it.
        bool named = line.Contains(dir, StringComparison.Ordinal)
            || line.Contains("frame '", StringComparison.Ordinal)
            || line.Contains("frames '", StringComparison.Ordinal);
        if (!line.StartsWith("mrvs: ", StringComparison.Ordinal) || line.Length > 2100 || line.Any(char.IsControl)
            || !named
            || DotNetText.Any(t => line.Contains(t, StringComparison.Ordinal)))
        {
            stats.BadMessages++;
            return $"message breaks the contract: {line}";
        }
        return null;
    }

    private sealed class Stats(string target, int cases, int seed)
    {
        public int Succeeded, Refused, Crashes, Hangs, OverMemory, BadMessages, Partial;
        public long MaxPeak;
        public readonly List<string> Samples = [];
        public double Seconds;

        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "fuzz {0}: {1} cases (seed {2}) in {3:F0} s: {4} succeeded, {5} refused; {6} crashes, {7} hangs, " +
            "{8} over the memory bound, {9} multi-line or unnamed errors, {10} partial outputs; peak {11} MiB above " +
                "the baseline",
            target, cases, seed, Seconds, Succeeded, Refused, Crashes, Hangs, OverMemory, BadMessages, Partial,
                MaxPeak >> 20);

        public string Json() => string.Format(CultureInfo.InvariantCulture,
            "{{\"target\":\"{0}\",\"cases\":{1},\"seed\":{2},\"seconds\":{3:F1},\"succeeded\":{4},\"refused\":{5}," +
            "\"crashes\":{6},\"hangs\":{7}," +
            "\"over_memory\":{8},\"bad_messages\":{9},\"partial\":{10},\"peak_mib\":{11}}}",
            target, cases, seed, Seconds, Succeeded, Refused, Crashes, Hangs, OverMemory, BadMessages, Partial,
                MaxPeak >> 20);
    }
}
