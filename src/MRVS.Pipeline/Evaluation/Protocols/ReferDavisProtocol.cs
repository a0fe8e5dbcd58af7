using MRVS.Models.PostProcessing;
using MRVS.Pipeline.Evaluation.Datasets;
using MRVS.Pipeline.Evaluation.Metrics;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Segmentation;

namespace MRVS.Pipeline.Evaluation.Protocols;

/// <summary>
/// Ref-DAVIS17 (infer_davis.py, then eval_davis.py per annotator): a video's expressions are ordered object by
/// object, four per object (annotator 1 first-frame, annotator 1 full-video, annotator 2 first-frame, annotator 2
/// full-video); for each of the four, every object's expression runs in clips of 36 frames, each clip choosing its
/// query and keeping the sigmoid probabilities at the frame size (<see cref="InferScriptPostProcess"/>); a pixel
/// takes the object with the highest probability among those ≥ 0.5 (the first on ties), else background, and each
/// frame is written as an indexed PNG with the DAVIS palette,
/// <c>anno_&lt;k&gt;/&lt;video&gt;/&lt;index:05d&gt;.png</c>.
/// With the ground truth (<c>&lt;split&gt;/Annotations/&lt;video&gt;/*.png</c>, the DAVIS unsupervised annotations the
/// preparation script moves there), each annotator is scored by the unsupervised DAVIS protocol and the four J&amp;F
/// are averaged.
/// </summary>
public sealed class ReferDavisProtocol : EvalProtocol
{
    /// <summary>Frames per forward, and expressions per object (two annotators, two kinds each).</summary>
    public const int ClipLength = 36, Annotators = 4;

    /// <summary>infer_davis.py's background score: below any probability that counts (≥ 0.5).</summary>
    private const float Background = 0.1f;

    private static readonly byte[] Palette = LabelPng.DavisPalette();

    /// <inheritdoc/>
    public override string Name => "ref-davis17";

    /// <inheritdoc/>
    public override IReadOnlyList<EvalVideo> Videos(string root, string split) =>
        ReferringVideoDataset.Load(root, split, sorted: false);

    /// <inheritdoc/>
    public override VideoCounts Run(Segmenter segmenter, EvalVideo video, string folder, StageTimes times,
        CancellationToken cancel)
    {
        var frames = Decode(video.Frames, times, segmenter.Options.Limits);
        int objects = video.Expressions.Count / Annotators, t = frames.Count, h = frames[0].Height, w = frames[0].Width;
        for (int a = 0; a < Annotators; a++)
        {
            var best = new float[(long)t * h * w];
            Array.Fill(best, Background);
            var labels = new byte[best.Length];
            for (int o = 0; o < objects; o++)
            {
                var e = video.Expressions[o * Annotators + a];
                var tokens = Tokenize(segmenter, video, e, times);
                for (int start = 0; start < t; start += ClipLength)
                {
                    cancel.ThrowIfCancellationRequested();
                    var clip = frames.GetRange(start, Math.Min(ClipLength, t - start));
                    using var outputs = segmenter.Forward(clip, tokens, times: times, cancel: cancel);
                    times.Measure("postprocess", () =>
                    {
                        var p = InferScriptPostProcess.Probabilities(outputs.Decision, outputs.PredMasks,
                            outputs.Original);
                        long offset = (long)start * h * w;
                        for (int i = 0; i < p.Length; i++)
                            if (p[i] >= 0.5f && p[i] > best[offset + i])
                            {
                                best[offset + i] = p[i];
                                labels[offset + i] = (byte)(o + 1);
                            }
                    });
                }
            }
            var dir = Directory.CreateDirectory(Path.Combine(folder, $"anno_{a}")).FullName;
            times.Measure("write", () =>
            {
                for (int f = 0; f < t; f++)
                    LabelPng.Write(Path.Combine(dir, $"{f:D5}.png"), labels.AsSpan(f * h * w, h * w), w, h, Palette);
            });
        }
        return new VideoCounts(video.Expressions.Count, objects * Annotators * t);
    }

    /// <inheritdoc/>
    public override EvalFigures? Merge(string root, string split, IReadOnlyList<EvalVideo> videos,
        IReadOnlyDictionary<string, string> folders, string output)
    {
        for (int a = 0; a < Annotators; a++)
            foreach (var v in videos)
                CopyTree(Path.Combine(folders[v.Id], $"anno_{a}"), Path.Combine(output, $"anno_{a}", v.Id));
        var gtRoot = Path.Combine(root, split, "Annotations");
        if (!videos.All(v => Directory.Exists(Path.Combine(gtRoot, v.Id)))) return null;
        var reports = new DavisReport[Annotators];
        for (int a = 0; a < Annotators; a++)
        {
            var scores = new List<SequenceScore>();
            foreach (var v in videos)
            {
                var frames = DatasetFiles.Frames(Path.Combine(gtRoot, v.Id), ".png");
                var gt = frames.Select(f => LabelPng.Read(f)).ToList();
                var predDir = Path.Combine(output, $"anno_{a}", v.Id);
                var pred = frames.Select(f => LabelPng.Read(Path.Combine(predDir, Path.GetFileName(f)))).ToList();
                scores.AddRange(DavisEvaluation.ScoreObjects(v.Id, gt, pred));
            }
            reports[a] = new DavisReport(scores);
        }
        double mean = NumPyReductions.Mean(reports.Select(r => r.JFMean).ToArray());
        var perAnnotator = reports.Select(r => FormattableString.Invariant($"{r.JFMean:F4}"));
        return new EvalFigures(
            FormattableString.Invariant($"J&F {mean:F4} (annotators {string.Join(", ", perAnnotator)})"),
            j =>
            {
                j.WriteStartObject();
                j.WriteNumber("J&F-Mean", mean);
                j.WriteNumber("J-Mean", NumPyReductions.Mean(reports.Select(r => r.JMean).ToArray()));
                j.WriteNumber("F-Mean", NumPyReductions.Mean(reports.Select(r => r.FMean).ToArray()));
                j.WriteStartObject("annotators");
                for (int a = 0; a < Annotators; a++)
                {
                    j.WritePropertyName($"anno_{a}");
                    DavisReportJson.Write(j, reports[a]);
                }
                j.WriteEndObject();
                j.WriteEndObject();
            });
    }
}
