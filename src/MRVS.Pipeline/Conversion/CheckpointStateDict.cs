using MRVS.Core.IO.Torch;
using MRVS.Core.Tensors;
using MRVS.Models.Building;

namespace MRVS.Pipeline.Conversion;

/// <summary>
/// The model weights of a checkpoint as they come in practice: the official trainer's
/// <c>{'model_state_dict': …}</c> (also <c>'state_dict'</c> or <c>'model'</c>), or a bare state dict; without the
/// <c>*.total_ops</c> / <c>*.total_params</c> counters that profiling tools (thop) register, which the official
/// loaders drop too; and without the <c>module.</c> prefix DistributedDataParallel puts on every key. Found from the
/// pickle alone, so the keys and shapes are checked before a tensor is read.
/// </summary>
public sealed class CheckpointStateDict
{
    private static readonly string[] WrapperKeys = ["model_state_dict", "state_dict", "model"];
    private const string DdpPrefix = "module.";

    private readonly TorchCheckpoint _checkpoint;

    private CheckpointStateDict(TorchCheckpoint checkpoint, string? key, IReadOnlyDictionary<string, string> names,
        string source)
    {
        _checkpoint = checkpoint;
        Key = key;
        Names = names;
        Source = source;
    }

    /// <summary>The top-level key of the state dict; null for a bare state dict.</summary>
    public string? Key { get; }

    /// <summary>The model's weight names and the names they are stored under.</summary>
    public IReadOnlyDictionary<string, string> Names { get; }

    /// <summary>The checkpoint and the layout found, for messages.</summary>
    public string Source { get; }

    /// <summary>Finds the state dict of <paramref name="checkpoint"/> and its names, reading no tensor.</summary>
    public static CheckpointStateDict Find(TorchCheckpoint checkpoint)
    {
        var key = WrapperKeys.FirstOrDefault(k => checkpoint.TopLevelKeys.Contains(k));
        var stored = checkpoint.Describe(key).Select(t => t.Name).Where(n => !IsProfilerCounter(n)).ToList();
        var source = key is null ? $"{checkpoint.Path} (bare state dict)" : $"{checkpoint.Path} ({key})";
        bool ddp = stored.Count > 0 && stored.All(k => k.StartsWith(DdpPrefix, StringComparison.Ordinal));
        var names = stored.ToDictionary(n => ddp ? n[DdpPrefix.Length..] : n, n => n, StringComparer.Ordinal);
        return new CheckpointStateDict(checkpoint, key, names,
            ddp ? $"{source}, '{DdpPrefix}' prefix removed" : source);
    }

    /// <summary>The weights as a source the model binds, each tensor read when it is bound.</summary>
    public WeightSource Weights() => WeightSource.From(_checkpoint, Key, Names, Source);

    /// <summary>Every weight under the model's name; the tensors belong to the checkpoint.</summary>
    public IReadOnlyDictionary<string, Tensor> Read() =>
        Names.ToDictionary(n => n.Key, n => _checkpoint.Read(Key, n.Value), StringComparer.Ordinal);

    /// <summary>
    /// What <c>k.endswith('total_params') or k.endswith('total_ops')</c> drops in the official scripts.
    /// </summary>
    public static bool IsProfilerCounter(string key) =>
        key.EndsWith("total_ops", StringComparison.Ordinal) || key.EndsWith("total_params", StringComparison.Ordinal);
}
