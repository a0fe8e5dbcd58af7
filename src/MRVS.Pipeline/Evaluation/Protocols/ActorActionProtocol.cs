using System.Text.Json;
using MRVS.Core.Errors;
using MRVS.Models.PostProcessing;
using MRVS.Pipeline.Evaluation.Coco;
using MRVS.Pipeline.Evaluation.Datasets;
using MRVS.Pipeline.Evaluation.Metrics;
using MRVS.Pipeline.Preprocessing;
using MRVS.Pipeline.Segmentation;

namespace MRVS.Pipeline.Evaluation.Protocols;

/// <summary>
/// A2D-Sentences and JHMDB-Sentences (trainer.py's evaluate_a2d_sentences): per sample, a window of 8 frames around
/// the annotated one (shorter side 320, longer at most 576), the heads run on the annotated frame only
/// (valid_indices), and every query becomes a COCO prediction (<see cref="A2DSentencesPostProcess"/>). Figures:
/// COCOeval segm with useCats = 0 (<see cref="CocoSegmentationEval"/>) and metrics.py's precision@K, overall and
/// mean IoU (<see cref="ReferringMetrics"/>). Each video leaves <c>predictions.json</c>; the merge concatenates them.
/// </summary>
public sealed class ActorActionProtocol(bool jhmdb) : EvalProtocol
{
    /// <summary>Each video's predictions, and the merged ones.</summary>
    public const string PredictionsFile = "predictions.json";

    /// <inheritdoc/>
    public override string Name => jhmdb ? "jhmdb-sentences" : "a2d-sentences";
    /// <inheritdoc/>
    public override string DefaultSplit => "test";
    /// <inheritdoc/>
    public override EvalResizeRule Resize => EvalResizeRule.A2D;

    /// <inheritdoc/>
    public override IReadOnlyList<EvalVideo> Videos(string root, string split)
    {
        if (split != "test")
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"{Name} is evaluated on its test split, not '{ErrorText.OneLine(split)}'");
        return jhmdb ? ActorActionDataset.LoadJhmdb(root) : ActorActionDataset.LoadA2D(root);
    }

    private string GroundTruthPath(string root) =>
        Path.Combine(root, jhmdb ? ActorActionDataset.JhmdbGroundTruth : ActorActionDataset.A2DGroundTruth);

    /// <inheritdoc/>
    public override VideoCounts Run(Segmenter segmenter, EvalVideo video, string folder, StageTimes times,
        CancellationToken cancel)
    {
        var all = Decode(video.Frames, times, segmenter.Options.Limits);
        using var file = File.Create(Path.Combine(folder, PredictionsFile));
        using var j = new Utf8JsonWriter(file, DavisReportJson.Options);
        j.WriteStartArray();
        foreach (var e in video.Expressions)
        {
            cancel.ThrowIfCancellationRequested();
            if (e.Frame < 0 || e.Frame >= all.Count)
                throw new MrvsException(MrvsErrorKind.BadInput,
                    $"{Name}: video '{video.Id}' has {all.Count} frames; its annotated frame {e.Frame + 1} is missing");
            var window = ActorActionDataset.Window(e.Frame, all.Count).Select(i => all[i]).ToList();
            var tokens = Tokenize(segmenter, video, e, times);
            using var outputs = segmenter.Forward(window, tokens, validFrame: ActorActionDataset.WindowSize / 2,
                times: times, cancel: cancel);
            var (scores, masks) = times.Measure("postprocess", () =>
                A2DSentencesPostProcess.Run(outputs.PredCls, outputs.PredMasks, outputs.Resized, outputs.Resized,
                    outputs.Original));
            var (h, w) = outputs.Original;
            for (int q = 0; q < scores.Length; q++)
            {
                j.WriteStartObject();
                j.WriteString("image_id", e.ImageId);
                j.WriteNumber("category_id", 1);
                j.WriteStartObject("segmentation");
                j.WriteStartArray("size");
                j.WriteNumberValue(h);
                j.WriteNumberValue(w);
                j.WriteEndArray();
                j.WriteString("counts", MaskRle.Encode(masks[q], h, w).Compressed);
                j.WriteEndObject();
                j.WriteNumber("score", scores[q]);
                j.WriteEndObject();
            }
        }
        j.WriteEndArray();
        return new VideoCounts(video.Expressions.Count, video.Expressions.Count * ActorActionDataset.WindowSize);
    }

    /// <inheritdoc/>
    public override EvalFigures? Merge(string root, string split, IReadOnlyList<EvalVideo> videos,
        IReadOnlyDictionary<string, string> folders, string output)
    {
        var detections = new List<CocoInstance>();
        using (var file = File.Create(Path.Combine(output, PredictionsFile)))
        using (var j = new Utf8JsonWriter(file, DavisReportJson.Options))
        {
            j.WriteStartArray();
            foreach (var v in videos)
            {
                var path = Path.Combine(folders[v.Id], PredictionsFile);
                using var doc = DatasetFiles.Json(path, "predictions");
                foreach (var p in DatasetFiles.Array(doc.RootElement, path, "the predictions"))
                {
                    p.WriteTo(j);
                    var what = $"prediction {detections.Count + 1}";
                    var rle = DatasetFiles.Rle(DatasetFiles.Property(p, "segmentation", path), path, what);
                    var image = DatasetFiles.String(DatasetFiles.Property(p, "image_id", path), path, what + " image");
                    double score = DatasetFiles.Number(DatasetFiles.Property(p, "score", path), path, what + " score");
                    detections.Add(new CocoInstance(detections.Count + 1, image, rle, rle.Area, Score: score));
                }
            }
            j.WriteEndArray();
        }
        var (images, truth) = ActorActionDataset.GroundTruth(GroundTruthPath(root));
        var stats = CocoSegmentationEval.Stats(images, truth, detections);
        ReferringFigures referring;
        try { referring = ReferringMetrics.Compute(images, truth, detections); }
        catch (InvalidDataException e) { throw DatasetFiles.Bad(GroundTruthPath(root), e.Message); }
        var (overall, mean, p50) = (referring.OverallIou, referring.MeanIou, referring.PrecisionAtK[0]);
        var summary = FormattableString.Invariant(
            $"mAP {stats[0]:F4}, overall IoU {overall:F4}, mean IoU {mean:F4}, P@0.5 {p50:F4}");
        return new EvalFigures(summary, j =>
        {
            j.WriteStartObject();
            for (int i = 0; i < stats.Length; i++) j.WriteNumber(CocoSegmentationEval.StatNames[i], stats[i]);
            for (int k = 0; k < ReferringFigures.Thresholds.Length; k++)
            {
                var name = FormattableString.Invariant($"P@{ReferringFigures.Thresholds[k]}");
                j.WriteNumber(name, referring.PrecisionAtK[k]);
            }
            j.WriteNumber("overall_iou", referring.OverallIou);
            j.WriteNumber("mean_iou", referring.MeanIou);
            j.WriteEndObject();
        });
    }
}
