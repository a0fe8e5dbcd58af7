using System.Text.Encodings.Web;
using System.Text.Json;
using MRVS.Pipeline.Evaluation.Coco;
using MRVS.Pipeline.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.EvalDatasets;

/// <summary>
/// Writes a small dataset of each benchmark in its official layout (the files <c>mrvs eval</c> reads), from
/// <see cref="SyntheticWorld"/>: a few videos of a few frames, the two objects' expressions, JPEG (PNG for JHMDB)
/// frames and the ground truth each protocol has. Deterministic: the same bytes on every run and machine.
/// </summary>
public static class SyntheticDatasets
{
    public static readonly string[] Names =
        ["ref-youtube-vos", "mevis", "ref-davis17", "a2d-sentences", "jhmdb-sentences"];

    private const int Videos = 2, Frames = 3;
    private static readonly JsonWriterOptions JsonOptions =
        new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(string name, string root)
    {
        Directory.CreateDirectory(root);
        switch (name)
        {
            case "ref-youtube-vos": ReferYouTubeVos(root); break;
            case "mevis": Mevis(root); break;
            case "ref-davis17": ReferDavis(root); break;
            case "a2d-sentences": A2D(root); break;
            case "jhmdb-sentences": Jhmdb(root); break;
            default: throw new ArgumentException($"unknown dataset '{name}'");
        }
    }

    private static string Video(int v) => $"vid{v:D2}";

    private static void Frame(string path, int video, int t, bool png = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image =
            Image.LoadPixelData<Rgb24>(SyntheticWorld.Rgb(video, t), SyntheticWorld.Width, SyntheticWorld.Height);
        if (png) image.SaveAsPng(path, new PngEncoder());
        else image.SaveAsJpeg(path, new JpegEncoder { Quality = 95 });
    }

    /// <summary>A ground-truth PNG of object ids with the DAVIS palette.</summary>
    private static void Labels(string path, int video, int t) => LabelPng.Write(path, SyntheticWorld.Labels(video, t),
        SyntheticWorld.Width, SyntheticWorld.Height, LabelPng.DavisPalette());

    /// <summary>An expression's "obj_id" field (Ref-YouTube-VOS, Ref-DAVIS17).</summary>
    private static Action<Utf8JsonWriter> ObjectId(int id) => j => j.WriteString("obj_id", $"{id}");

    private static void Json(string path, Action<Utf8JsonWriter> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        using var j = new Utf8JsonWriter(file, JsonOptions);
        write(j);
    }

    /// <summary>meta_expressions.json with the given expressions per video: (id, sentence, extra fields).</summary>
    private static void Meta(string path, int videos,
        Func<int, IEnumerable<(string Id, string Exp, Action<Utf8JsonWriter> Extra)>> expressions, int frameStep = 5) =>
        Json(path, j =>
        {
            j.WriteStartObject();
            j.WriteStartObject("videos");
            for (int v = 0; v < videos; v++)
            {
                j.WriteStartObject(Video(v));
                j.WriteStartObject("expressions");
                foreach (var (id, exp, extra) in expressions(v))
                {
                    j.WriteStartObject(id);
                    j.WriteString("exp", exp);
                    extra(j);
                    j.WriteEndObject();
                }
                j.WriteEndObject();
                j.WriteStartArray("frames");
                for (int t = 0; t < Frames; t++) j.WriteStringValue($"{frameStep * t:D5}");
                j.WriteEndArray();
                j.WriteEndObject();
            }
            j.WriteEndObject();
            j.WriteEndObject();
        });

    private static void ReferYouTubeVos(string root)
    {
        Meta(Path.Combine(root, "meta_expressions", "valid", "meta_expressions.json"), Videos, v =>
            Enumerable.Range(0, 2).Select(o => ($"{o}", SyntheticWorld.Sentences[o], ObjectId(o + 1))));
        for (int v = 0; v < Videos; v++)
            for (int t = 0; t < Frames; t++)
            {
                Frame(Path.Combine(root, "valid", "JPEGImages", Video(v), $"{5 * t:D5}.jpg"), v, t);
                var ann = Directory.CreateDirectory(Path.Combine(root, "valid", "Annotations", Video(v))).FullName;
                Labels(Path.Combine(ann, $"{5 * t:D5}.png"), v, t);
            }
    }

    private static void Mevis(string root)
    {
        // MeViS's own layout: <split>/meta_expressions.json, JPEGImages, and for valid_u mask_dict.json (anno_id →
        // per-frame RLE); valid has the same videos without ground truth (the server scores it).
        foreach (var split in new[] { "valid_u", "valid" })
        {
            Meta(Path.Combine(root, split, "meta_expressions.json"), Videos, v =>
            [
                ("0", SyntheticWorld.Sentences[0], j => Ids(j, $"{2 * v}")),
                ("1", "the ball and the box", j => Ids(j, $"{2 * v}", $"{2 * v + 1}")),
            ]);
            for (int v = 0; v < Videos; v++)
                for (int t = 0; t < Frames; t++)
                    Frame(Path.Combine(root, split, "JPEGImages", Video(v), $"{5 * t:D5}.jpg"), v, t);
        }
        Json(Path.Combine(root, "valid_u", "mask_dict.json"), j =>
        {
            j.WriteStartObject();
            for (int v = 0; v < Videos; v++)
                for (int o = 0; o < 2; o++)
                {
                    j.WriteStartArray($"{2 * v + o}");
                    for (int t = 0; t < Frames; t++) Rle(j, SyntheticWorld.Mask(v, t, o + 1));
                    j.WriteEndArray();
                }
            j.WriteEndObject();
        });
        static void Ids(Utf8JsonWriter j, params string[] ids)
        {
            j.WriteStartArray("anno_id");
            foreach (var id in ids) j.WriteNumberValue(int.Parse(id));
            j.WriteEndArray();
        }
    }

    private static void Rle(Utf8JsonWriter j, byte[] mask, string? name = null)
    {
        if (name is null) j.WriteStartObject(); else j.WriteStartObject(name);
        j.WriteStartArray("size");
        j.WriteNumberValue(SyntheticWorld.Height);
        j.WriteNumberValue(SyntheticWorld.Width);
        j.WriteEndArray();
        j.WriteString("counts", MaskRle.Encode(mask, SyntheticWorld.Height, SyntheticWorld.Width).Compressed);
        j.WriteEndObject();
    }

    private static void ReferDavis(string root)
    {
        // Two videos, two objects each; four expressions per object (annotator 1 first-frame / full-video, annotator
        // 2 …). DAVIS numbers every frame (00000, 00001, …), which the predictions' names follow.
        Meta(Path.Combine(root, "meta_expressions", "valid", "meta_expressions.json"), Videos, v =>
            Enumerable.Range(0, 8).Select(i => ($"{i}", SyntheticWorld.Sentences[i / 4], ObjectId(i / 4 + 1))),
            frameStep: 1);
        for (int v = 0; v < Videos; v++)
            for (int t = 0; t < Frames; t++)
            {
                Frame(Path.Combine(root, "valid", "JPEGImages", Video(v), $"{t:D5}.jpg"), v, t);
                var ann = Directory.CreateDirectory(Path.Combine(root, "valid", "Annotations", Video(v))).FullName;
                Labels(Path.Combine(ann, $"{t:D5}.png"), v, t);
            }
    }

    /// <summary>COCO-format ground truth as create_gt_in_coco_format.py writes it: one instance per image.</summary>
    private static void CocoTruth(string path, IEnumerable<(string ImageId, byte[] Mask)> instances) => Json(path, j =>
    {
        j.WriteStartObject();
        j.WriteStartArray("categories");
        j.WriteStartObject();
        j.WriteNumber("id", 1);
        j.WriteString("name", "dummy_class");
        j.WriteEndObject();
        j.WriteEndArray();
        var list = instances.ToList();
        j.WriteStartArray("images");
        foreach (var (id, _) in list)
        {
            j.WriteStartObject();
            j.WriteString("id", id);
            j.WriteNumber("height", SyntheticWorld.Height);
            j.WriteNumber("width", SyntheticWorld.Width);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartArray("annotations");
        for (int i = 0; i < list.Count; i++)
        {
            j.WriteStartObject();
            j.WriteNumber("id", i + 1);
            j.WriteString("image_id", list[i].ImageId);
            j.WriteNumber("category_id", 1);
            Rle(j, list[i].Mask, "segmentation");
            j.WriteNumber("area", (double)list[i].Mask.Count(b => b != 0));
            j.WriteNumber("iscrowd", 0);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
    });

    private static void A2D(string root)
    {
        // Videos of 6 frames (clips as frame folders): vid00 (test) annotated at frame 2 (1-based) for both objects,
        // vid01 (test) at frame 3 for the ball, vid02 a train video that the test split leaves out.
        const int length = 6, videos = 3;
        Directory.CreateDirectory(Path.Combine(root, "Release"));
        File.WriteAllLines(Path.Combine(root, "Release", "videoset.csv"), Enumerable.Range(0, videos).Select(v =>
            $"{Video(v)},11,0,0,{SyntheticWorld.Height},{SyntheticWorld.Width},{length},1,{(v < 2 ? 1 : 0)}"));
        Directory.CreateDirectory(Path.Combine(root, "text_annotations"));
        File.WriteAllText(Path.Combine(root, "text_annotations", "a2d_missed_videos.txt"), "");
        File.WriteAllLines(Path.Combine(root, "text_annotations", "a2d_annotation.txt"),
        [
            "video_id,instance_id,query", $"{Video(0)},1,{SyntheticWorld.Sentences[0]}",
            $"{Video(0)},2,{SyntheticWorld.Sentences[1]}", $"{Video(1)},1,{SyntheticWorld.Sentences[0]}",
            $"{Video(2)},1,the red ball (train video)",
        ]);
        for (int v = 0; v < videos; v++)
            for (int t = 0; t < length; t++)
                Frame(Path.Combine(root, "Release", "clips320H", Video(v), $"{t + 1:D5}.jpg"), v, t);
        CocoTruth(Path.Combine(root, "a2d_sentences_test_annotations_in_coco_format.json"),
        [
            ($"v_{Video(0)}_f_2_i_1", SyntheticWorld.Mask(0, 1, 1)),
            ($"v_{Video(0)}_f_2_i_2", SyntheticWorld.Mask(0, 1, 2)),
            ($"v_{Video(1)}_f_3_i_1", SyntheticWorld.Mask(1, 2, 1)),
        ]);
    }

    private static void Jhmdb(string root)
    {
        const int length = 5;
        File.WriteAllLines(Path.Combine(root, "jhmdb_annotation.txt"),
            ["video_id,query", $"{Video(0)},{SyntheticWorld.Sentences[0]}",
             $"{Video(1)},{SyntheticWorld.Sentences[0]}"]);
        for (int v = 0; v < Videos; v++)
            for (int t = 0; t < length; t++)
                Frame(Path.Combine(root, "Rename_Images", "roll", Video(v), $"{t + 1:D5}.png"), v, t, png: true);
        var samples = Enumerable.Range(0, Videos).Select(v => (Video: Video(v), Frame: 2 + v)).ToList();
        Json(Path.Combine(root, "jhmdb_sentences_samples_metadata.json"), j =>
        {
            j.WriteStartArray();
            foreach (var (video, frame) in samples)
            {
                j.WriteStartArray();
                j.WriteStringValue(video);
                j.WriteStringValue($"/data/jhmdb_sentences/Rename_Images/roll/{video}/{frame:D5}.png");
                j.WriteStringValue($"/data/jhmdb_sentences/puppet_mask/roll/{video}/puppet_mask.mat");
                j.WriteNumberValue(length);
                j.WriteStringValue(SyntheticWorld.Sentences[0]);
                j.WriteEndArray();
            }
            j.WriteEndArray();
        });
        CocoTruth(Path.Combine(root, "jhmdb_sentences_gt_annotations_in_coco_format.json"),
            samples.Select(s => ($"v_{s.Video}_f_{s.Frame}",
                SyntheticWorld.Mask(int.Parse(s.Video[3..]), s.Frame - 1, 1))));
    }
}
