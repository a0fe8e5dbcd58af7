namespace MRVS.Core.Errors;

/// <summary>What an <see cref="MrvsException"/> is about, so a caller can react without parsing the message.</summary>
public enum MrvsErrorKind
{
    /// <summary>A video, image, sentence, argument or output path that cannot be used as given.</summary>
    BadInput,

    /// <summary>A model folder, checkpoint, config.json or tokenizer that is missing, damaged or inconsistent, or
    /// weights that make the model produce NaN/Inf.</summary>
    BadModel,

    /// <summary>
    /// An input or model beyond a <see cref="Limits.ResourceLimits"/> bound, or memory or disk space that ran out.
    /// </summary>
    ResourceLimit,

    /// <summary>The GPU or its libraries: absent, out of memory, a failed call or kernel.</summary>
    Device,
}
