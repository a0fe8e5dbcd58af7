using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MRVS.Core.Errors;
using MRVS.Core.Execution;
using MRVS.Pipeline.Evaluation.Datasets;
using MRVS.Pipeline.Evaluation.Metrics;
using MRVS.Pipeline.Evaluation.Protocols;
using MRVS.Pipeline.Segmentation;

namespace MRVS.Pipeline.Evaluation;

/// <summary>What <c>mrvs eval</c> runs: a dataset's split with a model, optionally one shard of it.</summary>
public sealed record EvalOptions(string Dataset, string Root, string ModelDirectory, string OutputDirectory)
{
    /// <summary>The split; null for the protocol's default.</summary>
    public string? Split { get; init; }
    /// <summary>The shard to run (0-based).</summary>
    public int ShardIndex { get; init; }
    /// <summary>The number of shards the split is cut into.</summary>
    public int ShardCount { get; init; } = 1;
    /// <summary>Continue the run in the output folder, skipping its finished videos.</summary>
    public bool Resume { get; init; }
    /// <summary>Where the model runs.</summary>
    public Backend Backend { get; init; } = Backend.Auto;
    /// <summary>GEMM arithmetic.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;
    /// <summary>CPU threads; null for one per core.</summary>
    public int? Threads { get; init; }
}

/// <summary>
/// Videos done of the shard's, expressions and frames segmented so far, elapsed time and the estimate of what is left.
/// </summary>
public readonly record struct EvalProgress(
    int VideosDone, int VideosTotal, int Expressions, int Frames, TimeSpan Elapsed, TimeSpan? Remaining);

/// <summary>A finished run or merge: where, how much, and the figures (null without ground truth).</summary>
public sealed record EvalSummary(
    string OutputDirectory, int Videos, int Expressions, int Frames, string? Figures, bool Merged);

/// <summary>
/// Runs a benchmark split through a <see cref="Segmenter"/> the way its official script does (the protocol), one
/// video at a time. Shards take contiguous, deterministic slices of the protocol's video order. Each video is
/// written into a hidden staging folder and renamed into <c>videos/&lt;video&gt;</c> when complete, so a killed run
/// leaves only whole videos and <c>--resume</c> skips them. A complete set of videos (one run, or shards merged)
/// becomes the submission, the figures and result.json.
/// </summary>
public static class EvalRunner
{
    /// <summary>Names inside a run folder: the finished videos, the run's record, each video's times.</summary>
    public const string VideosFolder = "videos", RunFile = "run.json", TimesFile = "times.json";
    /// <summary>The merged run's figures and times.</summary>
    public const string ResultFile = "result.json";

    /// <summary>
    /// Runs the shard's videos not finished yet; a whole split (one shard) is merged at the end. The dataset and the
    /// model are checked before the output folder is created.
    /// </summary>
    public static EvalSummary Run(EvalOptions o, IProgress<EvalProgress>? progress = null,
        CancellationToken cancel = default)
    {
        try { return RunShard(o, progress, cancel); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputFolder.Io(e, $"evaluating into '{o.OutputDirectory}'");
        }
    }

    private static EvalSummary RunShard(EvalOptions o, IProgress<EvalProgress>? progress, CancellationToken cancel)
    {
        var protocol = EvalProtocol.Get(o.Dataset);
        if (o.ShardCount < 1 || o.ShardIndex < 0 || o.ShardIndex >= o.ShardCount)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"shard {o.ShardIndex}/{o.ShardCount}: expected i/n with 0 ≤ i < n");
        var split = o.Split ?? protocol.DefaultSplit;
        var root = Path.GetFullPath(o.Root);
        var all = protocol.Videos(root, split);
        var slice = Shard(all, o.ShardIndex, o.ShardCount);
        var output = Path.GetFullPath(o.OutputDirectory);
        var videosDir = Path.Combine(output, VideosFolder);
        var run = new RunRecord(protocol.Name, root, split, Path.GetFullPath(o.ModelDirectory), o.Backend.Name(),
            o.Precision.Name(), o.ShardIndex, o.ShardCount);
        using var segmenter = Segmenter.Load(o.ModelDirectory,
            new SegmenterOptions
            {
                Backend = o.Backend,
                Precision = o.Precision,
                Threads = o.Threads,
                Resize = protocol.Resize,
            });
        PrepareOutput(output, run, o.Resume);
        Directory.CreateDirectory(videosDir);
        long start = Stopwatch.GetTimestamp();
        int done = 0, expressions = 0, frames = 0, ran = 0;
        foreach (var v in slice)
        {
            cancel.ThrowIfCancellationRequested();
            var final = Path.Combine(videosDir, v.Id);
            if (!Directory.Exists(final))
            {
                var staging = Path.Combine(videosDir, $".{v.Id}.partial");
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
                Directory.CreateDirectory(staging);
                var times = new StageTimes();
                long t0 = Stopwatch.GetTimestamp();
                try
                {
                    var counts = protocol.Run(segmenter, v, staging, times, cancel);
                    double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    WriteTimes(Path.Combine(staging, TimesFile), times, ms, counts);
                }
                catch
                {
                    Directory.Delete(staging, recursive: true);
                    throw;
                }
                Directory.Move(staging, final);
                ran++;
            }
            var c = ReadCounts(final);
            done++;
            expressions += c.Expressions;
            frames += c.Frames;
            var elapsed = Stopwatch.GetElapsedTime(start);
            TimeSpan? eta = ran == 0 ? null : elapsed / ran * (slice.Count - done);
            progress?.Report(new EvalProgress(done, slice.Count, expressions, frames, elapsed, eta));
        }
        if (o.ShardCount > 1) return new EvalSummary(output, slice.Count, expressions, frames, null, Merged: false);
        return Merge([output], output);
    }

    /// <summary>Contiguous slice i of n: videos [⌊i·N/n⌋, ⌊(i+1)·N/n⌋).</summary>
    public static IReadOnlyList<EvalVideo> Shard(IReadOnlyList<EvalVideo> videos, int index, int count)
    {
        int from = (int)((long)index * videos.Count / count), to = (int)((long)(index + 1) * videos.Count / count);
        return videos.Skip(from).Take(to - from).ToList();
    }

    /// <summary>
    /// Joins the videos of one or more run folders (shards of one evaluation) into the submission and figures in
    /// <paramref name="output"/>, checking that they are runs of the same dataset, split and model and that every
    /// video of the split is there. A new output folder appears complete or not at all (<see cref="OutputFolder"/>);
    /// merging into one of the runs (a run of one shard) rewrites its submission files in place.
    /// </summary>
    public static EvalSummary Merge(IReadOnlyList<string> runs, string output)
    {
        try { return MergeInto(runs, output); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputFolder.Io(e, $"merging into '{output}'");
        }
    }

    private static EvalSummary MergeInto(IReadOnlyList<string> runs, string output)
    {
        if (runs.Count == 0) throw new MrvsException(MrvsErrorKind.BadInput, "no run folders to merge");
        var records = runs.Select(r => RunRecord.Read(Path.Combine(r, RunFile))).ToList();
        var first = records[0];
        foreach (var (r, dir) in records.Zip(runs))
            if (r.Evaluation != first.Evaluation)
                throw new MrvsException(MrvsErrorKind.BadInput,
                    $"{dir}: a run of {r.Dataset} {r.Split} with {r.Model} ({r.ShardCount} shards), not of " +
                    $"{first.Dataset} {first.Split} with {first.Model} ({first.ShardCount} shards)");
        var protocol = EvalProtocol.Get(first.Dataset);
        var videos = protocol.Videos(first.Root, first.Split);
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in runs)
        {
            var videosDir = Path.Combine(dir, VideosFolder);
            if (!Directory.Exists(videosDir)) continue;
            var finished = Directory.EnumerateDirectories(videosDir).Where(d => !Path.GetFileName(d).StartsWith('.'));
            foreach (var v in finished)
                folders.TryAdd(Path.GetFileName(v), v);
        }
        var missing = videos.Where(v => !folders.ContainsKey(v.Id)).Select(v => v.Id).ToList();
        if (missing.Count > 0)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"{missing.Count} of {videos.Count} videos have no results yet " +
                $"(first: {string.Join(", ", missing.Take(5))}); " +
                "run the missing shards (or --resume an interrupted one) before merging");
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output));
        bool inPlace = runs.Any(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)) == full);
        using var staged = inPlace ? null : OutputFolder.Begin(output, overwrite: false);
        var target = staged?.Staging ?? full;
        var figures = protocol.Merge(first.Root, first.Split, videos, folders, target);

        var stages = new StageTimes();
        double wall = 0;
        int expressions = 0, frames = 0;
        foreach (var v in videos)
        {
            var path = Path.Combine(folders[v.Id], TimesFile);
            using var doc = DatasetFiles.Json(path, "per-video times");
            var r = doc.RootElement;
            wall += DatasetFiles.Number(DatasetFiles.Property(r, "wall_ms", path), path, "'wall_ms'");
            var counts = ReadCounts(folders[v.Id]);
            expressions += counts.Expressions;
            frames += counts.Frames;
            foreach (var s in DatasetFiles.Object(DatasetFiles.Property(r, "stages", path), path, "'stages'"))
                stages.Add(s.Name, DatasetFiles.Number(s.Value, path, $"stage '{s.Name}'"));
        }
        var backends = records.Select(r => r.Backend).Distinct().ToList();
        WriteResult(Path.Combine(target, ResultFile), first, backends, new VideoCounts(expressions, frames),
            videos.Count, wall, stages, figures);
        staged?.Publish();
        return new EvalSummary(full, videos.Count, expressions, frames, figures?.Summary, Merged: true);
    }

    private static void PrepareOutput(string output, RunRecord run, bool resume)
    {
        var runFile = Path.Combine(output, RunFile);
        if (File.Exists(runFile))
        {
            if (!resume)
                throw new MrvsException(MrvsErrorKind.BadInput,
                    $"'{output}' holds a run already; pass --resume to continue it, or choose another --out");
            var previous = RunRecord.Read(runFile);
            if (previous with { Backend = "", Precision = "" } != run with { Backend = "", Precision = "" })
                throw new MrvsException(MrvsErrorKind.BadInput,
                    $"{runFile}: that run is of {previous.Dataset} {previous.Split} shard " +
                    $"{previous.ShardIndex}/{previous.ShardCount} with {previous.Model}; " +
                    "--resume continues only the same run");
            return;
        }
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"output folder '{output}' exists and is not an evaluation run; choose another --out");
        Directory.CreateDirectory(output);
        run.Write(runFile);
    }

    private static VideoCounts ReadCounts(string folder)
    {
        var path = Path.Combine(folder, TimesFile);
        using var doc = DatasetFiles.Json(path, "per-video times");
        var r = doc.RootElement;
        return new VideoCounts(DatasetFiles.Int(DatasetFiles.Property(r, "expressions", path), path, "'expressions'"),
            DatasetFiles.Int(DatasetFiles.Property(r, "frames", path), path, "'frames'"));
    }

    private static void WriteTimes(string path, StageTimes times, double wallMs, VideoCounts counts)
    {
        using var file = File.Create(path);
        using var j = new Utf8JsonWriter(file, DavisReportJson.Options);
        j.WriteStartObject();
        j.WriteNumber("expressions", counts.Expressions);
        j.WriteNumber("frames", counts.Frames);
        j.WriteNumber("wall_ms", Math.Round(wallMs, 3));
        j.WriteStartObject("stages");
        foreach (var (stage, ms) in times.Stages) j.WriteNumber(stage, Math.Round(ms, 3));
        j.WriteEndObject();
        j.WriteEndObject();
    }

    private static void WriteResult(string path, RunRecord run, IReadOnlyList<string> backends, VideoCounts counts,
        int videos, double wallMs, StageTimes stages, EvalFigures? figures) => OutputFolder.WriteFile(path, file =>
    {
        using var j = new Utf8JsonWriter(file, DavisReportJson.Options);
        j.WriteStartObject();
        j.WriteString("dataset", run.Dataset);
        j.WriteString("split", run.Split);
        j.WriteString("model", run.Model);
        j.WriteString("backend", string.Join(", ", backends));
        j.WriteString("precision", run.Precision);
        j.WriteNumber("shards", run.ShardCount);
        j.WriteNumber("videos", videos);
        j.WriteNumber("expressions", counts.Expressions);
        j.WriteNumber("frames", counts.Frames);
        j.WriteNumber("frames_per_second", wallMs > 0 ? Math.Round(counts.Frames / (wallMs / 1000), 3) : 0);
        j.WriteStartObject("time_ms");
        foreach (var (stage, ms) in stages.Stages) j.WriteNumber(stage, Math.Round(ms, 3));
        j.WriteNumber("total", Math.Round(wallMs, 3));
        j.WriteEndObject();
        if (figures is null) j.WriteNull("figures");
        else
        {
            j.WritePropertyName("figures");
            figures.WriteJson(j);
        }
        j.WriteEndObject();
    });

    /// <summary>
    /// run.json: what a run folder holds, so resume and merge can check they continue the same evaluation.
    /// </summary>
    private sealed record RunRecord(string Dataset, string Root, string Split, string Model, string Backend,
        string Precision, int ShardIndex, int ShardCount)
    {
        /// <summary>What the shards of one evaluation share (each may run on its own backend).</summary>
        public RunRecord Evaluation => this with { ShardIndex = 0, Backend = "", Precision = "" };

        public void Write(string path) => OutputFolder.WriteFile(path, file =>
        {
            using var j = new Utf8JsonWriter(file, DavisReportJson.Options);
            j.WriteStartObject();
            j.WriteString("dataset", Dataset);
            j.WriteString("root", Root);
            j.WriteString("split", Split);
            j.WriteString("model", Model);
            j.WriteString("backend", Backend);
            j.WriteString("precision", Precision);
            j.WriteString("shard", string.Create(CultureInfo.InvariantCulture, $"{ShardIndex}/{ShardCount}"));
            j.WriteEndObject();
        });

        public static RunRecord Read(string path)
        {
            using var doc = DatasetFiles.Json(path, "run.json (is this an mrvs eval output folder?)");
            var r = doc.RootElement;
            string S(string name) => DatasetFiles.String(DatasetFiles.Property(r, name, path), path, $"'{name}'");
            var shard = S("shard").Split('/');
            if (shard.Length != 2
                || !int.TryParse(shard[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                || !int.TryParse(shard[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
                || index >= count)
                throw DatasetFiles.Bad(path, $"'shard' is '{ErrorText.OneLine(S("shard"))}', expected i/n");
            return new RunRecord(S("dataset"), S("root"), S("split"), S("model"), S("backend"), S("precision"),
                index, count);
        }
    }
}
