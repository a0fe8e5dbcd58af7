using System.Text.Json;

namespace MRVS.Pipeline.Evaluation.Datasets;

/// <summary>
/// The Ref-YouTube-VOS layout, which MeViS and Ref-DAVIS17 share (as prepared for the official code):
/// <c>&lt;root&gt;/meta_expressions/&lt;split&gt;/meta_expressions.json</c> (or MeViS's own
/// <c>&lt;root&gt;/&lt;split&gt;/meta_expressions.json</c>): <c>{"videos": {video: {"expressions": {exp_id: {"exp":
/// …, "obj_id": …, "anno_id": […]}}, "frames": [names]}}}</c>, frames in
/// <c>&lt;root&gt;/&lt;split&gt;/JPEGImages/&lt;video&gt;/&lt;frame&gt;.jpg</c>.
/// As infer_refytb.py and infer_mevis.py do, the videos of <c>meta_expressions/test</c> (when present) are left
/// out of the valid split, and the videos are taken in sorted order; infer_davis.py keeps the file's order.
/// </summary>
public static class ReferringVideoDataset
{
    /// <summary>The split's meta_expressions.json: the Ref-YouTube-VOS place, else MeViS's.</summary>
    public static string MetaPath(string root, string split)
    {
        var ytvos = Path.Combine(root, "meta_expressions", split, "meta_expressions.json");
        var mevis = Path.Combine(root, split, "meta_expressions.json");
        return File.Exists(ytvos) || !File.Exists(mevis) ? ytvos : mevis;
    }

    /// <summary>The split's videos (sorted by id, or in the file's order).</summary>
    public static List<EvalVideo> Load(string root, string split, bool sorted)
    {
        var meta = MetaPath(root, split);
        using var doc = DatasetFiles.Json(meta, "meta_expressions.json");
        var videos = DatasetFiles.Property(doc.RootElement, "videos", meta);
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        var test = Path.Combine(root, "meta_expressions", "test", "meta_expressions.json");
        if (split == "valid" && File.Exists(test))
        {
            using var t = DatasetFiles.Json(test, "test meta_expressions.json");
            foreach (var v in DatasetFiles.Object(DatasetFiles.Property(t.RootElement, "videos", test), test,
                "'videos'"))
                excluded.Add(v.Name);
        }
        var list = new List<EvalVideo>();
        foreach (var v in DatasetFiles.Object(videos, meta, "'videos'"))
        {
            if (excluded.Contains(v.Name)) continue;
            var id = DatasetFiles.Name(v.Name, meta, "video id");
            var frames = DatasetFiles.Array(DatasetFiles.Property(v.Value, "frames", meta), meta, $"'{id}' frames")
                .Select(f => DatasetFiles.Name(DatasetFiles.String(f, meta, $"a frame of '{id}'"), meta,
                    $"a frame of '{id}'"))
                .Select(f => Path.Combine(root, split, "JPEGImages", id, f + ".jpg")).ToList();
            if (frames.Count == 0) throw DatasetFiles.Bad(meta, $"'{id}' frames: an empty list, expected frame names");
            var expressions = new List<EvalExpression>();
            foreach (var e in DatasetFiles.Object(DatasetFiles.Property(v.Value, "expressions", meta), meta,
                $"'{id}' expressions"))
            {
                var what = $"expression '{e.Name}' of '{id}'";
                var text = DatasetFiles.String(DatasetFiles.Property(e.Value, "exp", meta), meta, what + " 'exp'");
                expressions.Add(new EvalExpression(DatasetFiles.Name(e.Name, meta, $"expression id of '{id}'"), text)
                {
                    Objects = Ids(e.Value, "anno_id", meta, what) ?? Ids(e.Value, "obj_id", meta, what) ?? [],
                });
            }
            list.Add(new EvalVideo(id, frames, expressions) { Source = meta });
        }
        return sorted ? list.OrderBy(v => v.Id, StringComparer.Ordinal).ToList() : list;
    }

    /// <summary>Object ids: strings or numbers, one or a list; each becomes a name (an anno_id of mask_dict).</summary>
    private static IReadOnlyList<string>? Ids(JsonElement e, string name, string file, string what)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        var items = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().ToList() : [v];
        return items.Select(x => x.ValueKind switch
        {
            JsonValueKind.String => x.GetString()!,
            JsonValueKind.Number => x.GetRawText(),
            _ => throw DatasetFiles.Bad(file, $"{what} '{name}' holds {x.ValueKind}, expected ids"),
        }).ToList();
    }
}
