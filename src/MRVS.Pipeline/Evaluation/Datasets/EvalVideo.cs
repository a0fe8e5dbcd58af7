namespace MRVS.Pipeline.Evaluation.Datasets;

/// <summary>
/// One referring expression of a video: its id in the dataset, the sentence, and what the protocol needs of it.
/// </summary>
public sealed record EvalExpression(string Id, string Text)
{
    /// <summary>
    /// Ref-YouTube-VOS: the object id in Annotations/; Ref-DAVIS: the object index; MeViS: its anno_ids.
    /// </summary>
    public IReadOnlyList<string> Objects { get; init; } = [];

    /// <summary>
    /// A2D / JHMDB-Sentences: the annotated frame (index into the video's frames) and the COCO image id.
    /// </summary>
    public int Frame { get; init; }
    /// <summary>A2D / JHMDB-Sentences: the COCO image id of the annotated frame.</summary>
    public string ImageId { get; init; } = "";
}

/// <summary>
/// The unit of work, of sharding and of resuming: one video, its frames in order (file paths, or one video file)
/// and its expressions in the dataset's order.
/// </summary>
public sealed record EvalVideo(string Id, IReadOnlyList<string> Frames, IReadOnlyList<EvalExpression> Expressions)
{
    /// <summary>The dataset file the video and its expressions were read from (for messages).</summary>
    public string Source { get; init; } = "";

    /// <summary>The frame names the outputs are written under (file stems).</summary>
    public IReadOnlyList<string> FrameNames => Frames.Select(Path.GetFileNameWithoutExtension).ToList()!;
}
