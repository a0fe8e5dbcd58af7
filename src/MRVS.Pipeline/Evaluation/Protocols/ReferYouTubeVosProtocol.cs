using System.IO.Compression;
using System.Text.Json;
using MRVS.Core.Errors;
using MRVS.Core.Limits;
using MRVS.Models.PostProcessing;
using MRVS.Pipeline.Evaluation.Datasets;
using MRVS.Pipeline.Evaluation.Metrics;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Segmentation;

namespace MRVS.Pipeline.Evaluation.Protocols;

/// <summary>
/// Ref-YouTube-VOS (infer_refytb.py) and MeViS (infer_mevis.py): each expression is one forward of the whole video,
/// post-processed by <see cref="InferScriptPostProcess"/> (bilinear straight to the frame size, sigmoid &gt; 0.5), and
/// written as <c>Annotations/&lt;video&gt;/&lt;exp_id&gt;/&lt;frame&gt;.png</c> (0/255), zipped for the evaluation
/// server.
/// With ground truth (Ref-YouTube-VOS: <c>&lt;split&gt;/Annotations/&lt;video&gt;/&lt;frame&gt;.png</c> holding every
/// frame,
/// object ids as in meta_expressions; MeViS valid_u / train: <c>&lt;split&gt;/mask_dict.json</c>, the union of an
/// expression's anno_ids) J and F are computed per expression as the servers do.
/// </summary>
public sealed class ReferYouTubeVosProtocol(bool mevis) : EvalProtocol
{
    /// <summary>The server's zip, and the masks' folder in it.</summary>
    public const string SubmissionZip = "submission.zip", AnnotationsFolder = "Annotations";

    /// <inheritdoc/>
    public override string Name => mevis ? "mevis" : "ref-youtube-vos";

    /// <inheritdoc/>
    public override IReadOnlyList<EvalVideo> Videos(string root, string split) =>
        ReferringVideoDataset.Load(root, split, sorted: true);

    /// <inheritdoc/>
    public override VideoCounts Run(Segmenter segmenter, EvalVideo video, string folder, StageTimes times,
        CancellationToken cancel)
    {
        var frames = Decode(video.Frames, times, segmenter.Options.Limits);
        var names = video.FrameNames;
        foreach (var e in video.Expressions)
        {
            cancel.ThrowIfCancellationRequested();
            var tokens = Tokenize(segmenter, video, e, times);
            using var outputs = segmenter.Forward(frames, tokens, times: times, cancel: cancel);
            var masks = times.Measure("postprocess", () => InferScriptPostProcess.Threshold(
                InferScriptPostProcess.Probabilities(outputs.Decision, outputs.PredMasks, outputs.Original)));
            var dir = Directory.CreateDirectory(Path.Combine(folder, e.Id)).FullName;
            int pixels = outputs.Original.H * outputs.Original.W;
            times.Measure("write", () =>
            {
                for (int t = 0; t < frames.Count; t++)
                    MaskPngWriter.Write(Path.Combine(dir, names[t] + ".png"), masks.AsSpan(t * pixels, pixels),
                        outputs.Original.W, outputs.Original.H);
            });
        }
        return new VideoCounts(video.Expressions.Count, frames.Count * video.Expressions.Count);
    }

    /// <inheritdoc/>
    public override EvalFigures? Merge(string root, string split, IReadOnlyList<EvalVideo> videos,
        IReadOnlyDictionary<string, string> folders, string output)
    {
        var annotations = Path.Combine(output, AnnotationsFolder);
        // Only the expressions' mask folders: the video folder also holds the run's timing record.
        foreach (var v in videos)
            foreach (var e in v.Expressions)
                CopyTree(Path.Combine(folders[v.Id], e.Id), Path.Combine(annotations, v.Id, e.Id));
        WriteZip(annotations, Path.Combine(output, SubmissionZip));
        var truth = GroundTruth(root, split, videos);
        if (truth is null) return null;
        var scores = new List<SequenceScore>();
        foreach (var v in videos)
            foreach (var e in v.Expressions)
            {
                var gt = truth(v, e);
                var pred = v.FrameNames.Select(f => LabelPng.Read(Path.Combine(annotations, v.Id, e.Id, f + ".png")))
                    .Select(p => BitMask.FromPixels(p.Pixels, p.Height, p.Width)).ToList();
                scores.Add(DavisEvaluation.ScoreBinary($"{v.Id}/{e.Id}", gt, pred));
            }
        var report = new DavisReport(scores);
        return new EvalFigures(FormattableString.Invariant(
                $"J&F {report.JFMean:F4}, J {report.JMean:F4}, F {report.FMean:F4} over {scores.Count} expressions"),
            j => DavisReportJson.Write(j, report));
    }

    /// <summary>
    /// The ground-truth masks of an expression, or null when the split has none (the valid/test servers).
    /// </summary>
    private Func<EvalVideo, EvalExpression, List<BitMask>>? GroundTruth(string root, string split,
        IReadOnlyList<EvalVideo> videos)
    {
        if (mevis)
        {
            var path = Path.Combine(root, split, "mask_dict.json");
            if (!File.Exists(path)) return null;
            var doc = DatasetFiles.Json(path, "MeViS mask_dict.json");
            return (v, e) =>
            {
                var first = ImageFileDecoder.Load(v.Frames[0], ResourceLimits.Default);
                return Enumerable.Range(0, v.Frames.Count).Select(t =>
                {
                    var union = BitMask.Empty(first.Height, first.Width);
                    foreach (var anno in e.Objects)
                    {
                        var what = $"anno_id '{anno}' frame {t}";
                        var rle = DatasetFiles.Item(DatasetFiles.Property(doc.RootElement, anno, path), t, path, what);
                        if (rle.ValueKind == JsonValueKind.Null) continue;
                        var m = DatasetFiles.Rle(rle, path, what).ToBitMask();
                        if (m.Height != union.Height || m.Width != union.Width)
                            throw DatasetFiles.Bad(path, $"{what} is a {m.Width}x{m.Height} mask, but the video " +
                                $"'{v.Id}' is {union.Width}x{union.Height}");
                        for (int i = 0; i < union.Bits.Length; i++) union.Bits[i] |= m.Bits[i];
                    }
                    return union;
                }).ToList();
            };
        }
        var dir = Path.Combine(root, split, AnnotationsFolder);
        bool complete = videos.All(v => v.FrameNames.All(f => File.Exists(Path.Combine(dir, v.Id, f + ".png"))));
        if (!complete) return null;
        return (v, e) =>
        {
            if (e.Objects.Count != 1 || !byte.TryParse(e.Objects[0], out byte id) || id == 0)
                throw new MrvsException(MrvsErrorKind.BadInput, $"{ReferringVideoDataset.MetaPath(root, split)}: " +
                    $"expression '{e.Id}' of '{v.Id}' has obj_id '{string.Join(", ", e.Objects)}', expected one " +
                    "object id from 1 to 255");
            return v.FrameNames.Select(f => LabelPng.Read(Path.Combine(dir, v.Id, f + ".png")))
                .Select(l => BitMask.FromPixels(l.Pixels, l.Height, l.Width, id)).ToList();
        };
    }

    /// <summary>
    /// The server's zip: entries Annotations/… in sorted order with a fixed time stamp, so equal results give equal
    /// bytes.
    /// </summary>
    public static void WriteZip(string annotations, string zipPath)
    {
        var parent = Path.GetDirectoryName(annotations)!;
        var partial = zipPath + ".partial";
        using (var zip = ZipFile.Open(partial, ZipArchiveMode.Create))
            foreach (var file in Directory.EnumerateFiles(annotations, "*", SearchOption.AllDirectories)
                         .Order(StringComparer.Ordinal))
            {
                var name = Path.GetRelativePath(parent, file).Replace(Path.DirectorySeparatorChar, '/');
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using var s = entry.Open();
                s.Write(File.ReadAllBytes(file));
            }
        File.Move(partial, zipPath, overwrite: true);
    }
}
