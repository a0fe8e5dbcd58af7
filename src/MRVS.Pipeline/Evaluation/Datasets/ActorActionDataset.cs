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
        var sizes = new Dictionary<string, (int H, int W)>(StringComparer.Ordinal);
        var images = new List<string>();
        foreach (var img in DatasetFiles.Property(doc.RootElement, "images", path).EnumerateArray())
        {
            var id = DatasetFiles.Property(img, "id", path).GetString()!;
            images.Add(id);
            sizes[id] = (img.GetProperty("height").GetInt32(), img.GetProperty("width").GetInt32());
        }
        var instances = new List<CocoInstance>();
        foreach (var a in DatasetFiles.Property(doc.RootElement, "annotations", path).EnumerateArray())
        {
            var image = a.GetProperty("image_id").GetString()!;
            var seg = a.GetProperty("segmentation");
            var (h, w) = (seg.GetProperty("size")[0].GetInt32(), seg.GetProperty("size")[1].GetInt32());
            var mask = MaskRle.FromCompressed(seg.GetProperty("counts").GetString()!, h, w);
            instances.Add(new CocoInstance(a.GetProperty("id").GetInt64(), image, mask,
                a.GetProperty("area").GetDouble(), a.TryGetProperty("iscrowd", out var c) && c.GetInt32() != 0));
        }
        return (images, instances);
    }

    /// <summary>The A2D-Sentences test samples, grouped by video.</summary>
    public static List<EvalVideo> LoadA2D(string root)
    {
        var used = DatasetFiles.Csv(Path.Combine(root, "Release", "videoset.csv"), header: false)
            .Where(r => r.Length >= 9 && r[8].Trim() == "1").Select(r => r[0]).ToHashSet(StringComparer.Ordinal);
        var missedPath = Path.Combine(root, "text_annotations", "a2d_missed_videos.txt");
        if (File.Exists(missedPath)) used.ExceptWith(File.ReadAllLines(missedPath).Select(l => l.Trim()));
        var (images, _) = GroundTruth(Path.Combine(root, A2DGroundTruth));
        var framesOf = images.Select(ParseA2DImage).ToLookup(x => (x.Video, x.Instance), x => x.Frame);
        var videos = new List<(string Id, EvalExpression E)>();
        var annotations = Path.Combine(root, "text_annotations", "a2d_annotation.txt");
        foreach (var row in DatasetFiles.Csv(annotations, header: true))
        {
            var (video, instance, query) = (row[0], row[1], string.Join(",", row.Skip(2)));
            // The official dataset drops one mistaken annotation ('1 (copy)' in T6bNPuKV-wY).
            if (!used.Contains(video) || !int.TryParse(instance, out int inst)) continue;
            foreach (var frame in framesOf[(video, inst)].Order())
                videos.Add((video, new EvalExpression($"f{frame:D5}_i{inst}", Clean(query))
                {
                    Frame = frame - 1,
                    ImageId = $"v_{video}_f_{frame}_i_{inst}",
                }));
        }
        return videos.GroupBy(v => v.Id)
            .Select(g => new EvalVideo(g.Key, [A2DClip(root, g.Key)], g.Select(x => x.E).ToList())).ToList();
    }

    private static (string Video, int Frame, int Instance) ParseA2DImage(string id)
    {
        // v_<video>_f_<frame>_i_<instance>; video ids may hold underscores, so parse from the end.
        int i = id.LastIndexOf("_i_", StringComparison.Ordinal), f = id.LastIndexOf("_f_", i, StringComparison.Ordinal);
        if (!id.StartsWith("v_", StringComparison.Ordinal) || i < 0 || f < 0)
            throw new InvalidDataException($"A2D ground-truth image id '{id}' is not v_<video>_f_<frame>_i_<instance>");
        return (id[2..f], int.Parse(id[(f + 3)..i]), int.Parse(id[(i + 3)..]));
    }

    private static string A2DClip(string root, string video)
    {
        var folder = Path.Combine(root, "Release", "clips320H", video);
        return Directory.Exists(folder) ? folder : DatasetFiles.Require(folder + ".mp4", "A2D clip");
    }

    /// <summary>The JHMDB-Sentences samples, grouped by video.</summary>
    public static List<EvalVideo> LoadJhmdb(string root)
    {
        var path = Path.Combine(root, JhmdbSamples);
        using var doc = DatasetFiles.Json(path, "JHMDB-Sentences samples metadata");
        var images = DatasetFiles.Require(Path.Combine(root, "Rename_Images"), "Rename_Images folder");
        var folders = Directory.EnumerateDirectories(images).SelectMany(Directory.EnumerateDirectories)
            .ToDictionary(d => Path.GetFileName(d)!, d => d, StringComparer.Ordinal);
        var samples = new List<(string Video, EvalExpression E, int Total)>();
        foreach (var s in doc.RootElement.EnumerateArray())
        {
            var video = s[0].GetString()!;
            var framePath = s[1].GetString()!.Replace('\\', '/');
            int frame = int.Parse(Path.GetFileNameWithoutExtension(framePath.Split('/')[^1]));
            var expression = new EvalExpression($"f{frame:D5}", Clean(s[4].GetString()!))
            {
                Frame = frame - 1,
                ImageId = $"v_{video}_f_{frame}",
            };
            samples.Add((video, expression,
                s[3].GetInt32()));
        }
        return samples.GroupBy(s => s.Video).Select(g =>
        {
            if (!folders.TryGetValue(g.Key, out var folder))
                throw new DirectoryNotFoundException($"Rename_Images/<class>/{g.Key} not found under '{root}'");
            int total = g.First().Total;
            var frames = Enumerable.Range(1, total).Select(i => Path.Combine(folder, $"{i:D5}.png")).ToList();
            return new EvalVideo(g.Key, frames, g.Select(x => x.E).ToList());
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
