using MRVS.Core.IO;
using MRVS.Core.Tensors;

namespace MRVS.Models.Building;

/// <summary>
/// Binds weights by their official state_dict names. Problems are collected rather than thrown one by one, so
/// one build reports every missing key, every shape mismatch and every key the model did not use.
/// </summary>
public sealed class WeightStore(WeightSource source)
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly List<WeightProblem> _problems = [];
    private readonly OrderedDictionary<string, WeightSpec> _specs = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, string> _aliases = new(StringComparer.Ordinal);

    public WeightStore(SafeTensorsFile file) : this(WeightSource.From(file)) { }

    public WeightStore(IReadOnlyDictionary<string, Tensor> tensors, string name) : this(WeightSource.From(tensors,
        name))
    { }

    /// <summary>Made-up weights (see <see cref="SyntheticWeights"/>) for benchmarks and demos without a
    /// checkpoint.</summary>
    /// <param name="swinWindow">The config's Swin window, which the made-up relative_position_index buffers index; the
    /// released (8, 7, 7) when null.</param>
    public static WeightStore Synthetic(int seed, int[]? swinWindow = null) => new(WeightSource.Synthetic(seed,
        swinWindow));

    public string Source => source.Name;
    public IReadOnlyCollection<string> Keys => source.Keys;

    /// <summary>
    /// Bytes of zero stand-ins (for missing or mismatched weights) one build may make: past it the weights clearly do
    /// not belong to the config, and binding stops instead of allocating a model's worth of zeros.
    /// </summary>
    public const long StandInBudget = 1L << 30;

    private long _standInBytes;

    /// <summary>
    /// The tensor under <paramref name="key"/>, checked against the expected dtype and shape (from the source's
    /// declaration when it has one, before reading); a zero stand-in when it is wrong or missing, with the problem
    /// recorded.
    /// </summary>
    public Tensor Get(string key, DType dtype, params int[] shape)
    {
        _used.Add(key);
        _specs.TryAdd(key, new WeightSpec(key, dtype, shape));
        if (source.Declared(key) is { } declared
            && (declared.DType != dtype || !declared.Shape.AsSpan().SequenceEqual(
                Array.ConvertAll(shape, d => (long)d))))
            return StandIn(new(WeightProblemKind.WrongShape, key,
                $"'{key}' is {declared.DType?.ToString() ?? "of an unsupported dtype "}" +
                $"[{string.Join(", ", declared.Shape)}], expected {dtype}{Shape.Format(shape)}"), dtype, shape);
        var t = source.Find(key, dtype, shape);
        if (t is null)
            return StandIn(new(WeightProblemKind.Missing, key,
                $"missing key '{key}' (expected {dtype}{Shape.Format(shape)})"), dtype, shape);
        if (t.DType != dtype || !t.Shape.AsSpan().SequenceEqual(shape))
            return StandIn(new(WeightProblemKind.WrongShape, key,
                $"'{key}' is {t.DType}{Shape.Format(t.Shape)}, expected {dtype}{Shape.Format(shape)}"), dtype, shape);
        return t;
    }

    private Tensor StandIn(WeightProblem problem, DType dtype, int[] shape)
    {
        _problems.Add(problem);
        _standInBytes += Shape.Elements(shape) * dtype.Size();
        if (_standInBytes > StandInBudget) throw new WeightBindingException(Source, _problems, incomplete: true);
        return Tensor.Zeros(dtype, shape);
    }

    public Tensor F32(string key, params int[] shape) => Get(key, DType.F32, shape);

    /// <summary>Marks a buffer the model recomputes, so it may be present or absent; its official dtype and shape go
    /// into <see cref="Layout"/>.</summary>
    public void Ignore(string key, DType dtype, params int[] shape)
    {
        _used.Add(key);
        _specs.TryAdd(key, new WeightSpec(key, dtype, shape));
    }

    /// <summary>A key whose tensor must equal another key's (an alias in the state dict, e.g.
    /// transformer.decoder.bbox_embed.*).</summary>
    public void Alias(string key, string of)
    {
        _used.Add(key);
        _aliases.TryAdd(key, of);
        if (!source.Keys.Contains(of)) return;
        var b = source.Find(of, DType.F32, [])!;
        var a = source.Find(key, b.DType, b.Shape);
        if (a is null)
        {
            _problems.Add(new(WeightProblemKind.Missing, key, $"missing key '{key}' (alias of '{of}')"));
            return;
        }
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape) || !a.Bytes.SequenceEqual(b.Bytes))
            _problems.Add(new(WeightProblemKind.AliasDiffers, key,
                $"'{key}' should be the same tensor as '{of}' but differs"));
    }

    /// <summary>
    /// Every key asked for so far, as the official state dict holds it: bound weights and recomputed buffers in the
    /// order asked, then aliases with their target's dtype and shape.
    /// </summary>
    public IReadOnlyList<WeightSpec> Layout =>
    [
        .. _specs.Values,
        .. _aliases.Select(a => _specs.TryGetValue(a.Value, out var target)
            ? target with { Key = a.Key, AliasOf = a.Value }
            : throw new InvalidOperationException($"alias '{a.Key}' of '{a.Value}', which the model never bound")),
    ];

    /// <summary>Missing keys and mismatches found so far (not counting keys nobody asked for).</summary>
    public IReadOnlyList<WeightProblem> BindingProblems => _problems;

    /// <summary>Throws a <see cref="WeightBindingException"/> listing every problem, including keys nobody asked
    /// for.</summary>
    public void ThrowIfProblems()
    {
        var problems = new List<WeightProblem>(_problems);
        problems.AddRange(source.Keys.Where(k => !_used.Contains(k)).Order(StringComparer.Ordinal)
            .Select(k => new WeightProblem(WeightProblemKind.Unexpected, k, $"unexpected key '{k}'")));
        if (problems.Count > 0) throw new WeightBindingException(Source, problems);
    }
}
