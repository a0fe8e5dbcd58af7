using MRVS.Core.Errors;

namespace MRVS.Pipeline.Media;

/// <summary>An input or output medium that cannot be used; the message names the file or frame and what was
/// expected.</summary>
public sealed class MediaException(string message, Exception? inner = null)
    : MrvsException(MrvsErrorKind.BadInput, message, inner);
