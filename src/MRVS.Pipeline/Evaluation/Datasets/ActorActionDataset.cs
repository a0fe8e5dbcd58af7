using System.Globalization;
using System.Text.Json;
using MRVS.Core.Errors;
using MRVS.Core.Limits;
using MRVS.Pipeline.Evaluation.Coco;

namespace MRVS.Pipeline.Evaluation.Datasets;

/// <summary>
/// A2D-Sentences and JHMDB-Sentences as the trainer evaluates them: samples (sentence, video, annotated frame) and
/// the ground truth in COCO format, the JSON the official create_gt_in_coco_format.py scripts write from the .h5 /
/// .mat annotations (read from that JSON: this engine does not read HDF5 or MATLAB files).
/// A2D: <c>Release/videoset.csv</c> (test subset, minus <c>text_annotations/a2d_missed_videos.txt</c>),
/// <c>text_annotations/a2d_annotation.txt</c> (video_id, instance_id, query), ground truth
/// <c>a2d_sentences_test_annotations_in_coco_format.json</c> (image ids
/// <c>v_&lt;video&gt;_f_&lt;frame&gt;_i_&lt;instance&gt;</c>),
/// frames from <c>Release/clips320H/&lt;video&gt;.mp4</c> (ffmpeg) or a folder of its frames
/// <c>Release/clips320H/&lt;video&gt;/</c>.
/// JHMDB: <c>jhmdb_sentences_samples_metadata.json</c> (the fixed samples the official code ships), frames
/// <c>Rename_Images/&lt;class&gt;/&lt;video&gt;/&lt;frame&gt;.png</c>, ground truth
/// <c>jhmdb_sentences_gt_annotations_in_coco_format.json</c> (image ids <c>v_&lt;video&gt;_f_&lt;frame&gt;</c>).
/// The window is 8 frames with the annotated one at index 4, clamped to the video's ends.
/// </summary>
public static class ActorActionDataset
{
    /// <summary>Frames in a sample's window.</summary>
    public const int WindowSize = 8;
    /// <summary>A2D-Sentences' COCO-format ground truth, under the root.</summary>
    public const string A2DGroundTruth = "a2d_sentences_test_annotations_in_coco_format.json";
    /// <summary>JHMDB-Sentences' COCO-format ground truth, under the root.</summary>
    public const string JhmdbGroundTruth = "jhmdb_sentences_gt_annotations_in_coco_format.json";
    /// <summary>JHMDB-Sentences' sample list, under the root.</summary>
    public const string JhmdbSamples = "jhmdb_sentences_samples_metadata.json";

    /// <summary>The ground truth's instances and its images in file order.</summary>
    public static (List<string> Images, List<CocoInstance> Instances) GroundTruth(string path)
    {
        using var doc = DatasetFiles.Json(path, "COCO-format ground truth");
        var images = new List<string>();
        foreach (var img in DatasetFiles.Array(DatasetFiles.Property(doc.RootElement, "images", path), path,
            "'images'"))
            images.Add(DatasetFiles.String(DatasetFiles.Property(img, "id", path), path, "an image id"));
        var instances = new List<CocoInstance>();
        var annotations = DatasetFiles.Property(doc.RootElement, "annotations", path);
        foreach (var a in DatasetFiles.Array(annotations, path, "'annotations'"))
        {
            var idEntry = DatasetFiles.Property(a, "id", path);
            long id = idEntry.ValueKind == JsonValueKind.Number && idEntry.TryGetInt64(out var n) ? n
                : throw DatasetFiles.Bad(path, $"annotation id {idEntry.GetRawText()} is not a whole number");
            var what = $"annotation {id}";
            var image = DatasetFiles.String(DatasetFiles.Property(a, "image_id", path), path, what + " image_id");
            var mask = DatasetFiles.Rle(DatasetFiles.Property(a, "segmentation", path), path, what + " segmentation");
            double area = DatasetFiles.Number(DatasetFiles.Property(a, "area", path), path, what + " area");
            bool crowd = a.TryGetProperty("iscrowd", out var c) && DatasetFiles.Int(c, path, what + " iscrowd") != 0;
            instances.Add(new CocoInstance(id, image, mask, area, crowd));
        }
        return (images, instances);
    }

    /// <summary>
    /// The A2D-Sentences test samples (the videos of videoset.csv's test subset, minus the missed ones, one sample
    /// per annotated frame of each instance), grouped by video.
    /// </summary>
    public static List<EvalVideo> LoadA2D(string root)
    {
        var used = DatasetFiles.Csv(Path.Combine(root, "Release", "videoset.csv"), header: false)
            .Where(r => r.Length >= 9 && r[8].Trim() == "1").Select(r => r[0]).ToHashSet(StringComparer.Ordinal);
        var missedPath = Path.Combine(root, "text_annotations", "a2d_missed_videos.txt");
        if (File.Exists(missedPath))
            used.ExceptWith(DatasetFiles.Csv(missedPath, header: false).Select(l => l[0].Trim()));
        var truthPath = Path.Combine(root, A2DGroundTruth);
        var (images, _) = GroundTruth(truthPath);
        var framesOf = images.Select(id => ParseA2DImage(id, truthPath))
            .ToLookup(x => (x.Video, x.Instance), x => x.Frame);
        var videos = new List<(string Id, EvalExpression E)>();
        var annotations = Path.Combine(root, "text_annotations", "a2d_annotation.txt");
        foreach (var row in DatasetFiles.Csv(annotations, header: true))
        {
            if (row.Length < 3)
                throw DatasetFiles.Bad(annotations,
                    $"a row has {row.Length} fields, expected video_id,instance_id,query");
            var (video, instance, query) = (row[0], row[1], string.Join(",", row.Skip(2)));
            // The official dataset drops one mistaken annotation ('1 (copy)' in T6bNPuKV-wY).
            if (!used.Contains(video) || !int.TryParse(instance, out int inst)) continue;
            DatasetFiles.Name(video, annotations, "video id");
            foreach (var frame in framesOf[(video, inst)].Order())
                videos.Add((video, new EvalExpression($"f{frame:D5}_i{inst}", Clean(query))
                {
                    Frame = frame - 1,
                    ImageId = $"v_{video}_f_{frame}_i_{inst}",
                }));
        }
        return videos.GroupBy(v => v.Id)
            .Select(g => new EvalVideo(g.Key, [A2DClip(root, g.Key)], g.Select(x => x.E).ToList())
            {
                Source = annotations,
            }).ToList();
    }

    private static (string Video, int Frame, int Instance) ParseA2DImage(string id, string file)
    {
        // v_<video>_f_<frame>_i_<instance>; video ids may hold underscores, so parse from the end.
        int i = id.LastIndexOf("_i_", StringComparison.Ordinal);
        int f = i < 0 ? -1 : id.LastIndexOf("_f_", i, StringComparison.Ordinal);
        if (!id.StartsWith("v_", StringComparison.Ordinal) || f < 2
            || !int.TryParse(id[(f + 3)..i], NumberStyles.None, CultureInfo.InvariantCulture, out int frame)
            || frame < 1
            || !int.TryParse(id[(i + 3)..], NumberStyles.None, CultureInfo.InvariantCulture, out int instance))
            throw DatasetFiles.Bad(file,
                $"image id '{ErrorText.OneLine(id)}' is not v_<video>_f_<frame>_i_<instance> (frames from 1)");
        return (id[2..f], frame, instance);
    }

    private static string A2DClip(string root, string video)
    {
        var folder = Path.Combine(root, "Release", "clips320H", video);
        return Directory.Exists(folder) ? folder : DatasetFiles.Require(folder + ".mp4", "A2D clip");
    }

    /// <summary>
    /// The JHMDB-Sentences samples of the official metadata (<c>[video, frame path, class, frame count,
    /// sentence]</c>), grouped by video.
    /// </summary>
    public static List<EvalVideo> LoadJhmdb(string root)
    {
        var path = Path.Combine(root, JhmdbSamples);
        using var doc = DatasetFiles.Json(path, "JHMDB-Sentences samples metadata");
        var images = DatasetFiles.Require(Path.Combine(root, "Rename_Images"), "Rename_Images folder");
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in Directory.EnumerateDirectories(images).SelectMany(Directory.EnumerateDirectories))
            folders.TryAdd(Path.GetFileName(d), d);
        var samples = new List<(string Video, EvalExpression E, int Total)>();
        int index = 0;
        foreach (var s in DatasetFiles.Array(doc.RootElement, path, "the samples list"))
        {
            var what = $"sample {index++}";
            DatasetFiles.Item(s, 4, path, what);
            var video = DatasetFiles.Name(DatasetFiles.String(s[0], path, what + " video"), path, what + " video");
            var framePath = DatasetFiles.String(s[1], path, what + " frame path").Replace('\\', '/');
            var stem = Path.GetFileNameWithoutExtension(framePath.Split('/')[^1]);
            int total = DatasetFiles.Int(s[3], path, what + " frame count");
            if (!int.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out int frame) || frame < 1
                || total < 1 || total > ResourceLimits.Default.MaxFrames)
                throw DatasetFiles.Bad(path, $"{what}: frame '{ErrorText.OneLine(stem)}' of {total} is not a frame " +
                    $"number from 1 to a frame count of at most {ResourceLimits.Default.MaxFrames}");
            var expression = new EvalExpression($"f{frame:D5}",
                Clean(DatasetFiles.String(s[4], path, what + " sentence")))
            {
                Frame = frame - 1,
                ImageId = $"v_{video}_f_{frame}",
            };
            samples.Add((video, expression, total));
        }
        return samples.GroupBy(s => s.Video).Select(g =>
        {
            if (!folders.TryGetValue(g.Key, out var folder))
                throw DatasetFiles.Bad(path, $"video '{g.Key}' has no folder Rename_Images/<class>/{g.Key} under " +
                    $"'{root}'");
            int total = g.First().Total;
            var frames = Enumerable.Range(1, total).Select(i => Path.Combine(folder, $"{i:D5}.png")).ToList();
            return new EvalVideo(g.Key, frames, g.Select(x => x.E).ToList()) { Source = path };
        }).ToList();
    }

    /// <summary>
    /// The window's frame indices: annotated frame at index 4, out-of-range indices clamped to the ends.
    /// </summary>
    public static int[] Window(int frame, int frameCount) =>
        Enumerable.Range(frame - WindowSize / 2, WindowSize).Select(i => Math.Clamp(i, 0, frameCount - 1)).ToArray();

    /// <summary>The official cleanup: lower case, whitespace runs to one space.</summary>
    private static string Clean(string text) =>
        string.Join(' ', text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
