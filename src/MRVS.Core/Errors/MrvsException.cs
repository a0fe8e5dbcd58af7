namespace MRVS.Core.Errors;

/// <summary>
/// Every failure MRVS.Native reports, in the library and the <c>mrvs</c> command line: a <see cref="Kind"/> and one
/// line of text that names the file, tensor, frame or argument at fault and what was expected (no line breaks, no
/// control characters, long lists summarised). Misuse of the API (a null argument, a disposed object) throws the usual
/// .NET argument exceptions instead, and cancellation <see cref="OperationCanceledException"/>.
/// </summary>
public class MrvsException : Exception
{
    public MrvsException(MrvsErrorKind kind, string message, Exception? inner = null)
        : base(ErrorText.OneLine(message), inner) =>
        Kind = kind;

    /// <summary>What the failure is about: bad input, bad model, a resource limit, or the device.</summary>
    public MrvsErrorKind Kind { get; }
}
