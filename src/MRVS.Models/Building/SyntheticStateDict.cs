using MRVS.Core.Tensors;
using MRVS.Models.Config;

namespace MRVS.Models.Building;

/// <summary>
/// A complete made-up state dict for a config: exactly the keys, dtypes and shapes of the official checkpoint layout
/// (weights, int64 buffers, aliases sharing their target's tensor) with <see cref="SyntheticWeights"/> values, so it
/// saves as a model folder that loads like a converted one.
/// </summary>
public static class SyntheticStateDict
{
    public static Dictionary<string, Tensor> Create(ModelConfig config, int seed)
    {
        var source = WeightSource.Synthetic(seed, config.Swin.WindowSize);
        var store = new WeightStore(source);
        SocModel.Build(config, store, ForwardShape.WeightBinding);
        // The source keeps what it made, so asking again returns the tensors the build bound.
        return store.Layout.ToDictionary(s => s.Key, s => source.Find(s.AliasOf ?? s.Key, s.DType, s.Shape)!,
            StringComparer.Ordinal);
    }
}
