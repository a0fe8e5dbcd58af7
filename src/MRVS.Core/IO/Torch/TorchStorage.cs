namespace MRVS.Core.IO.Torch;

/// <summary>
/// A storage named by a persistent id <c>('storage', storage_type, key, location, numel)</c>; its bytes are the
/// archive's <c>data/&lt;key&gt;</c>.
/// </summary>
internal sealed record TorchStorage(TorchStorageType Type, string Key, string Location, long Numel);
