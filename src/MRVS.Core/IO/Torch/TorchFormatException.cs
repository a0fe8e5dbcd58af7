using MRVS.Core.Errors;

namespace MRVS.Core.IO.Torch;

/// <summary>A torch.save checkpoint this reader cannot load; the message names the file and the entry or key at
/// fault.</summary>
public sealed class TorchFormatException(string message) : MrvsException(MrvsErrorKind.BadModel, message);
