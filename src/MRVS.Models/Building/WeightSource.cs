using MRVS.Core.IO;
using MRVS.Core.Tensors;

namespace MRVS.Models.Building;

/// <summary>Where weights come from: a safetensors file, a converted state dict, or made up on request.</summary>
public abstract class WeightSource
{
    public abstract string Name { get; }

    /// <summary>Every key the source holds (empty for a synthetic source, which holds whatever is asked for).</summary>
    public abstract IReadOnlyCollection<string> Keys { get; }

    /// <summary>The tensor under <paramref name="key"/> as stored (its own dtype and shape), or null when absent.</summary>
    public abstract Tensor? Find(string key, DType expectedDType, int[] expectedShape);

    public static WeightSource From(SafeTensorsFile file) => new FileSource(file);
    public static WeightSource From(IReadOnlyDictionary<string, Tensor> tensors, string name) => new DictionarySource(tensors, name);
    /// <param name="swinWindow">The Swin window the made-up relative_position_index buffers index; the released (8, 7, 7) when null.</param>
    public static WeightSource Synthetic(int seed, int[]? swinWindow = null) => new SyntheticSource(seed, swinWindow ?? [8, 7, 7]);

    private sealed class FileSource(SafeTensorsFile file) : WeightSource
    {
        private readonly string[] _keys = file.Tensors.Select(t => t.Name).ToArray();
        public override string Name => file.Path;
        public override IReadOnlyCollection<string> Keys => _keys;
        public override Tensor? Find(string key, DType expectedDType, int[] expectedShape) => file.Contains(key) ? file.Get(key) : null;
    }

    private sealed class DictionarySource(IReadOnlyDictionary<string, Tensor> tensors, string name) : WeightSource
    {
        public override string Name => name;
        public override IReadOnlyCollection<string> Keys => tensors.Keys.ToArray();
        public override Tensor? Find(string key, DType expectedDType, int[] expectedShape) => tensors.GetValueOrDefault(key);
    }

    private sealed class SyntheticSource(int seed, int[] swinWindow) : WeightSource
    {
        private readonly Dictionary<string, Tensor> _made = new(StringComparer.Ordinal);
        public override string Name => $"synthetic weights (seed {seed})";
        public override IReadOnlyCollection<string> Keys => [];
        public override Tensor? Find(string key, DType expectedDType, int[] expectedShape) =>
            _made.TryGetValue(key, out var t) ? t : _made[key] = SyntheticWeights.Make(key, expectedDType, expectedShape, seed, swinWindow);
    }
}
