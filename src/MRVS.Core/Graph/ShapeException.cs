using MRVS.Core.Errors;

namespace MRVS.Core.Graph;

/// <summary>A shape or type mismatch found while building a graph; the message names the node in model terms.</summary>
public sealed class ShapeException(string message) : MrvsException(MrvsErrorKind.BadModel, message);
