using MRVS.Core.Errors;

namespace MRVS.Core.IO;

/// <summary>A safetensors file that breaks the format; the message names the file and, where known, the
/// tensor.</summary>
public sealed class SafeTensorsFormatException(string message) : MrvsException(MrvsErrorKind.BadModel, message);
