using MRVS.Core.Tensors;

namespace MRVS.Models.Building;

/// <summary>
/// One state_dict entry a model binds, as an official checkpoint holds it: its dtype and shape, and for an alias
/// (e.g. <c>transformer.decoder.bbox_embed.*</c>) the key whose tensor it repeats.
/// </summary>
public sealed record WeightSpec(string Key, DType DType, int[] Shape, string? AliasOf = null);
