using System.Text.Json;
using MRVS.Core.Errors;
using MRVS.Core.Limits;
using MRVS.Pipeline.Evaluation.Datasets;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;
using MRVS.Pipeline.Segmentation;
using MRVS.Pipeline.Text;

namespace MRVS.Pipeline.Evaluation.Protocols;

/// <summary>The figures of a finished evaluation: one line for the terminal and their JSON for result.json.</summary>
public sealed record EvalFigures(string Summary, Action<Utf8JsonWriter> WriteJson);

/// <summary>What one video contributed: expressions and frames segmented.</summary>
public readonly record struct VideoCounts(int Expressions, int Frames);

/// <summary>
/// One benchmark's protocol, following its official script: which videos and expressions, how each is segmented
/// and post-processed, what files it leaves per video, and how the videos become the submission and the figures.
/// </summary>
public abstract class EvalProtocol
{
    /// <summary>The dataset's name on the command line.</summary>
    public abstract string Name { get; }
    /// <summary>The split run when none is given.</summary>
    public virtual string DefaultSplit => "valid";
    /// <summary>The preprocessing's resize, as the official script's.</summary>
    public virtual EvalResizeRule Resize => EvalResizeRule.ReferYouTubeVos;

    /// <summary>The split's videos in the order the official script takes them (the order shards slice).</summary>
    public abstract IReadOnlyList<EvalVideo> Videos(string root, string split);

    /// <summary>
    /// Segments every expression of <paramref name="video"/>, writing its outputs into <paramref name="folder"/>.
    /// </summary>
    public abstract VideoCounts Run(Segmenter segmenter, EvalVideo video, string folder, StageTimes times,
        CancellationToken cancel);

    /// <summary>
    /// Assembles the per-video outputs (folder per video id) into the submission in <paramref name="output"/>; the
    /// figures, when the data has ground truth.
    /// </summary>
    public abstract EvalFigures? Merge(string root, string split, IReadOnlyList<EvalVideo> videos,
        IReadOnlyDictionary<string, string> folders, string output);

    /// <summary>The protocol of a dataset name (one of <see cref="Names"/>).</summary>
    public static EvalProtocol Get(string dataset) => dataset switch
    {
        "ref-youtube-vos" => new ReferYouTubeVosProtocol(mevis: false),
        "mevis" => new ReferYouTubeVosProtocol(mevis: true),
        "ref-davis17" => new ReferDavisProtocol(),
        "a2d-sentences" => new ActorActionProtocol(jhmdb: false),
        "jhmdb-sentences" => new ActorActionProtocol(jhmdb: true),
        _ => throw new MrvsException(MrvsErrorKind.BadInput,
            $"unknown dataset '{ErrorText.OneLine(dataset)}'; expected one of {string.Join(", ", Names)}"),
    };

    /// <summary>The datasets <c>mrvs eval</c> runs.</summary>
    public static readonly string[] Names =
        ["ref-youtube-vos", "ref-davis17", "mevis", "a2d-sentences", "jhmdb-sentences"];

    /// <summary>The expression's ids; a sentence the model refuses is named by its dataset file and ids.</summary>
    protected static TokenizedText Tokenize(Segmenter segmenter, EvalVideo video, EvalExpression expression,
        StageTimes times)
    {
        try { return times.Measure("tokenize", () => segmenter.Tokenize(expression.Text)); }
        catch (MrvsException e) when (e.Kind == MrvsErrorKind.BadInput)
        {
            throw new MrvsException(e.Kind,
                $"{video.Source}: expression '{expression.Id}' of video '{video.Id}': {e.Message}", e);
        }
    }

    /// <summary>
    /// A video's frames (a video file, a folder of images, or image files), held together within <see
    /// cref="ResourceLimits.MaxClipBytes"/> as the protocols need them.
    /// </summary>
    protected static List<RgbFrame> Decode(IReadOnlyList<string> paths, StageTimes times, ResourceLimits limits) =>
        times.Measure("decode", () =>
        {
            var frames = new List<RgbFrame>();
            foreach (var frame in FrameSource.Open(paths, limits).ReadFrames())
            {
                Segmenter.CheckClipMemory(limits, frames.Count + 1, frame);
                frames.Add(frame);
            }
            return frames;
        });

    /// <summary>Copies every file under <paramref name="from"/> to the same place under <paramref
    /// name="to"/>.</summary>
    protected static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
