using MRVS.Core.IO;
using MRVS.Core.Tensors;

namespace MRVS.Models.Building;

/// <summary>
/// Binds weights by their official state_dict names. Problems are collected rather than thrown one by one, so
/// one build reports every missing key, every shape mismatch and every key the model did not use.
/// </summary>
public sealed class WeightStore
{
    private readonly Func<string, Tensor?> _get;
    private readonly Func<string, (DType, int[])?> _info;
    private readonly HashSet<string> _all;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    public string Source { get; }

    public WeightStore(SafeTensorsFile file)
    {
        Source = file.Path;
        _all = file.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        _get = n => file.Contains(n) ? file.Get(n) : null;
        _info = n => file.Contains(n) ? (file.Info(n).DType, file.Info(n).Shape) : null;
    }

    public WeightStore(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        Source = source;
        _all = tensors.Keys.ToHashSet(StringComparer.Ordinal);
        _get = n => tensors.TryGetValue(n, out var t) ? t : null;
        _info = n => tensors.TryGetValue(n, out var t) ? (t.DType, t.Shape) : null;
    }

    public IReadOnlyCollection<string> Keys => _all;

    /// <summary>The tensor under <paramref name="key"/>, checked against the expected dtype and shape; a zero stand-in when it is wrong or missing, with the problem recorded.</summary>
    public Tensor Get(string key, DType dtype, params int[] shape)
    {
        _used.Add(key);
        var info = _info(key);
        if (info is null)
        {
            _problems.Add($"missing key '{key}' (expected {dtype}{Shape.Format(shape)})");
            return Tensor.Zeros(dtype, shape);
        }
        var (dt, sh) = info.Value;
        if (dt != dtype || !sh.AsSpan().SequenceEqual(shape))
        {
            _problems.Add($"'{key}' is {dt}{Shape.Format(sh)}, expected {dtype}{Shape.Format(shape)}");
            return Tensor.Zeros(dtype, shape);
        }
        return _get(key)!;
    }

    public Tensor F32(string key, params int[] shape) => Get(key, DType.F32, shape);

    /// <summary>Marks keys the model knowingly ignores (recomputed buffers, aliases of other keys).</summary>
    public void Ignore(string key) => _used.Add(key);

    /// <summary>A key whose tensor must equal another key's (an alias in the state dict, e.g. transformer.decoder.bbox_embed.*).</summary>
    public void Alias(string key, string of)
    {
        _used.Add(key);
        var a = _get(key);
        var b = _get(of);
        if (a is null) { _problems.Add($"missing key '{key}' (alias of '{of}')"); return; }
        if (b is null) return;
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape) || !a.Bytes.SequenceEqual(b.Bytes))
            _problems.Add($"'{key}' should be the same tensor as '{of}' but differs");
    }

    /// <summary>Throws a <see cref="WeightBindingException"/> listing every problem, including keys nobody asked for.</summary>
    public void ThrowIfProblems()
    {
        var problems = new List<string>(_problems);
        problems.AddRange(_all.Where(k => !_used.Contains(k)).Order(StringComparer.Ordinal).Select(k => $"unexpected key '{k}'"));
        if (problems.Count > 0) throw new WeightBindingException(Source, problems);
    }
}
