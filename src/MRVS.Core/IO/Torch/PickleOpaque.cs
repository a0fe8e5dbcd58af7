namespace MRVS.Core.IO.Torch;

/// <summary>
/// Stands for a global outside the whitelist and for everything built from it (called, filled, given state).
/// Nothing is executed: the value only remembers the global's name, so that reading the part of a checkpoint
/// that holds it fails with that name while the rest (say, an lr scheduler's Counter beside the model weights)
/// does not stop the model's state dict from loading.
/// </summary>
internal sealed record PickleOpaque(string Global);
