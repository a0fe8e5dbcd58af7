using MRVS.Core.IO.Torch;
using MRVS.Core.Tensors;

namespace MRVS.Pipeline.Conversion;

/// <summary>
/// The model weights of a checkpoint as they come in practice: the official trainer's
/// <c>{'model_state_dict': …}</c> (also <c>'state_dict'</c> or <c>'model'</c>), or a bare state dict; without the
/// <c>*.total_ops</c> / <c>*.total_params</c> counters that profiling tools (thop) register, which the official
/// loaders drop too; and without the <c>module.</c> prefix DistributedDataParallel puts on every key.
/// </summary>
public static class CheckpointStateDict
{
    private static readonly string[] WrapperKeys = ["model_state_dict", "state_dict", "model"];
    private const string DdpPrefix = "module.";

    public static (IReadOnlyDictionary<string, Tensor> Weights, string Source) Load(TorchCheckpoint checkpoint)
    {
        var key = WrapperKeys.FirstOrDefault(k => checkpoint.TopLevelKeys.Contains(k));
        var weights = checkpoint.StateDict(key, name => !IsProfilerCounter(name));
        var source = key is null ? $"{checkpoint.Path} (bare state dict)" : $"{checkpoint.Path} ({key})";
        if (weights.Count == 0 || !weights.Keys.All(k => k.StartsWith(DdpPrefix, StringComparison.Ordinal)))
            return (weights, source);
        return (weights.ToDictionary(kv => kv.Key[DdpPrefix.Length..], kv => kv.Value, StringComparer.Ordinal),
            $"{source}, '{DdpPrefix}' prefix removed");
    }

    /// <summary>
    /// What <c>k.endswith('total_params') or k.endswith('total_ops')</c> drops in the official scripts.
    /// </summary>
    public static bool IsProfilerCounter(string key) =>
        key.EndsWith("total_ops", StringComparison.Ordinal) || key.EndsWith("total_params", StringComparison.Ordinal);
}
