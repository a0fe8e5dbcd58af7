using MRVS.Core.IO;
using MRVS.Core.IO.Torch;
using MRVS.Core.Tensors;

namespace MRVS.Models.Building;

/// <summary>Where weights come from: a safetensors file, a converted state dict, or made up on request.</summary>
public abstract class WeightSource
{
    public abstract string Name { get; }

    /// <summary>Every key the source holds (empty for a synthetic source, which holds whatever is asked for).</summary>
    public abstract IReadOnlyCollection<string> Keys { get; }

    /// <summary>The tensor under <paramref name="key"/> as stored (its own dtype and shape), or null when
    /// absent.</summary>
    public abstract Tensor? Find(string key, DType expectedDType, int[] expectedShape);

    /// <summary>
    /// The dtype (null: one MRVS has not) and shape stored under <paramref name="key"/>, known without reading the
    /// tensor; null when the source cannot say. A mismatch is then reported without reading a byte of it.
    /// </summary>
    public virtual (DType? DType, long[] Shape)? Declared(string key) => null;

    public static WeightSource From(SafeTensorsFile file) => new FileSource(file);
    public static WeightSource From(IReadOnlyDictionary<string, Tensor> tensors, string name) =>
        new DictionarySource(tensors, name);

    /// <summary>
    /// The state dict under <paramref name="key"/> of a checkpoint (null: the saved dict itself), each tensor read
    /// when the model binds it. <paramref name="names"/> maps the model's names to the stored ones (a prefix removed,
    /// entries left out); null takes every entry under its stored name.
    /// </summary>
    public static WeightSource From(TorchCheckpoint checkpoint, string? key,
        IReadOnlyDictionary<string, string>? names = null, string? name = null) =>
        new CheckpointSource(checkpoint, key, names, name ?? $"{checkpoint.Path} ({key ?? "bare state dict"})");

    /// <param name="swinWindow">The Swin window the made-up relative_position_index buffers index; the released (8, 7,
    /// 7) when null.</param>
    public static WeightSource Synthetic(int seed, int[]? swinWindow = null) => new SyntheticSource(seed, swinWindow
        ?? [8, 7, 7]);

    private sealed class FileSource(SafeTensorsFile file) : WeightSource
    {
        private readonly string[] _keys = file.Tensors.Select(t => t.Name).ToArray();
        public override string Name => file.Path;
        public override IReadOnlyCollection<string> Keys => _keys;
        public override Tensor? Find(string key, DType expectedDType, int[] expectedShape) => file.Contains(key)
            ? file.Get(key) : null;

        public override (DType? DType, long[] Shape)? Declared(string key) =>
            file.Contains(key) ? (file.Info(key).DType, Array.ConvertAll(file.Info(key).Shape, d => (long)d)) : null;
    }

    private sealed class CheckpointSource(TorchCheckpoint checkpoint, string? key,
        IReadOnlyDictionary<string, string>? names, string name) : WeightSource
    {
        private readonly Dictionary<string, CheckpointTensorInfo> _stored =
            checkpoint.Describe(key).ToDictionary(t => t.Name, StringComparer.Ordinal);
        private readonly IReadOnlyDictionary<string, string> _names =
            names ?? checkpoint.Describe(key).ToDictionary(t => t.Name, t => t.Name, StringComparer.Ordinal);
        public override string Name => name;
        public override IReadOnlyCollection<string> Keys => _names.Keys.ToArray();
        public override Tensor? Find(string model, DType expectedDType, int[] expectedShape) =>
            _names.TryGetValue(model, out var stored) ? checkpoint.Read(key, stored) : null;
        public override (DType? DType, long[] Shape)? Declared(string model) =>
            _names.TryGetValue(model, out var stored) && _stored.TryGetValue(stored, out var t)
                ? (t.DType, t.Shape) : null;
    }

    private sealed class DictionarySource(IReadOnlyDictionary<string, Tensor> tensors, string name) : WeightSource
    {
        public override string Name => name;
        public override IReadOnlyCollection<string> Keys => tensors.Keys.ToArray();
        public override Tensor? Find(string key, DType expectedDType, int[] expectedShape) =>
            tensors.GetValueOrDefault(key);
    }

    private sealed class SyntheticSource(int seed, int[] swinWindow) : WeightSource
    {
        private readonly Dictionary<string, Tensor> _made = new(StringComparer.Ordinal);
        public override string Name => $"synthetic weights (seed {seed})";
        public override IReadOnlyCollection<string> Keys => [];
        public override Tensor? Find(string key, DType expectedDType, int[] expectedShape) =>
            _made.TryGetValue(key, out var t) ? t : _made[key] = SyntheticWeights.Make(key, expectedDType,
                expectedShape, seed, swinWindow);
    }
}
