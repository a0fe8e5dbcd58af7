using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Config;

namespace MRVS.Models.Building;

/// <summary>
/// Builds a model graph: binds weights by state_dict name (each bound once), and offers the layers the modules
/// share (Linear, LayerNorm, nn.MultiheadAttention, …) so module builders read like the official forward.
/// </summary>
public sealed class GraphBuilder(ModelConfig config, WeightStore weights)
{
    private readonly Dictionary<string, Value> _weights = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    private int _anon;

    public ComputeGraph Graph { get; } = new();
    public ModelConfig Config { get; } = config;
    public WeightStore Weights { get; } = weights;

    /// <summary>A weight as a graph constant, shape-checked against the model's expectation.</summary>
    public Value Weight(string key, params int[] shape)
    {
        if (_weights.TryGetValue(key, out var v))
        {
            if (!v.Shape.AsSpan().SequenceEqual(shape)) throw new ShapeException($"{key}: used as " +
                $"{Shape.Format(shape)} and {Shape.Format(v.Shape)}");
            return v;
        }
        return _weights[key] = Graph.Constant(key, Weights.F32(key, shape));
    }

    /// <summary>Rows [start, start + count) of a weight (e.g. the q, k or v part of an in_proj_weight) as a constant
    /// view.</summary>
    public Value WeightRows(string key, int[] shape, int start, int count)
    {
        string name = $"{key}[{start}:{start + count}]";
        if (_weights.TryGetValue(name, out var v)) return v;
        if (!_tensors.TryGetValue(key, out var full)) _tensors[key] = full = Weights.F32(key, shape);
        return _weights[name] = Graph.Constant(name, full.SliceRows(start, count));
    }

    /// <summary>Several weights' rows stacked in order as one constant (the weights of Linears that read one input,
    /// run as one GEMM whose consumer reads each part of its rows).</summary>
    public unsafe Value StackedRows(string name, params (string Key, int[] Shape)[] parts)
    {
        var tensors = parts.Select(p => Weights.F32(p.Key, p.Shape)).ToList();
        var stacked = Tensor.Zeros(DType.F32, [tensors.Sum(t => t.Shape[0]), .. tensors[0].Shape[1..]]);
        long at = 0;
        foreach (var t in tensors)
        {
            Buffer.MemoryCopy((void*)t.Data, (byte*)stacked.Data + at, t.ByteLength, t.ByteLength);
            at += t.ByteLength;
        }
        return Graph.Constant(name, stacked);
    }

    /// <summary>A build-time table (position grids, bias gathers, masks) as a constant.</summary>
    public Value Constant(string name, Tensor t) => Graph.Constant(name, t);

    public Value Constant(string name, ReadOnlySpan<float> values, params int[] shape) => Graph.Constant(name,
        Tensor.FromSpan(values, shape));

    public Value Add(Op op, string name, params Value[] inputs) => Graph.Add(op, name, inputs);

    public void Tap(string name, Value v) => Graph.Tap(name, v);

    /// <summary>A unique name for an unnamed helper node under a prefix.</summary>
    public string Name(string prefix) => $"{prefix}#{_anon++}";

    public Value Linear(Value x, string prefix, int outFeatures, Activation act = Activation.None, bool bias = true)
    {
        int inFeatures = x.Dim(-1);
        var w = Weight($"{prefix}.weight", outFeatures, inFeatures);
        return bias
            ? Add(new LinearOp(act), prefix, x, w, Weight($"{prefix}.bias", outFeatures))
            : Add(new LinearOp(act), prefix, x, w);
    }

    /// <summary>Linear with weight/bias given as values (e.g. slices of an in_proj_weight).</summary>
    public Value Linear(Value x, Value weight, Value? bias, string name, Activation act = Activation.None) =>
        bias is null ? Add(new LinearOp(act), name, x, weight) : Add(new LinearOp(act), name, x, weight, bias);

    public Value LayerNorm(Value x, string prefix, float eps = 1e-5f, Value? residual = null)
    {
        int n = x.Dim(-1);
        var g = Weight($"{prefix}.weight", n);
        var b = Weight($"{prefix}.bias", n);
        return residual is null
            ? Add(new LayerNormOp(eps), prefix, x, g, b)
            : Add(new LayerNormOp(eps, residual: true), prefix, x, residual, g, b);
    }

    public Value Binary(BinaryKind kind, Value a, Value b, string name) => Add(new BinaryOp(kind), name, a, b);
    public Value Plus(Value a, Value b, string name) => Binary(BinaryKind.Add, a, b, name);
    public Value Times(Value a, Value b, string name) => Binary(BinaryKind.Mul, a, b, name);
    public Value Unary(UnaryKind kind, Value x, string name) => Add(new UnaryOp(kind), name, x);
    public Value Scale(Value x, float alpha, string name, float beta = 0f) => Add(new UnaryOp(UnaryKind.Affine, alpha,
        beta), name, x);
    public Value Reshape(Value x, string name, params int[] shape) => Add(new ReshapeOp(shape), name, x);
    public Value Permute(Value x, string name, params int[] perm) => Add(new PermuteOp(perm), name, x);
    public Value Slice(Value x, int axis, int start, int length, string name, int step = 1) => Add(new SliceOp(axis,
        start, length, step), name, x);
    public Value Concat(int axis, string name, params Value[] xs) => Add(new ConcatOp(axis), name, xs);

    /// <summary>
    /// nn.MultiheadAttention (batch_first = False semantics, computed batch-first): inputs [B, L, E]; query/key carry
    /// their positional terms already; value does not. Weights from <c>{prefix}.in_proj_weight/bias</c> (rows q, k, v)
    /// and <c>{prefix}.out_proj</c>. Key padding mask Bool [B, Lk] (True = ignore) is optional.
    /// </summary>
    /// <param name="name">Node names when one module runs several times (e.g. "vlf.2" for the weights of "vlf");
    /// defaults to the prefix.</param>
    public Value MultiheadAttention(Value query, Value key, Value value, string prefix, int heads,
        Value? keyPaddingMask = null, string? name = null)
    {
        int e = query.Dim(-1);
        name ??= prefix;
        var (q, k, v) = InputProjections(query, key, value, prefix, name);
        var op = new AttentionOp(heads, AttentionScaling.ScaleQuery, keyPaddingMask: keyPaddingMask is not null);
        var o = keyPaddingMask is null ? Add(op, $"{name}.attention", q, k, v) : Add(op, $"{name}.attention", q, k, v,
            keyPaddingMask);
        return Linear(o, Weight($"{prefix}.out_proj.weight", e, e), Weight($"{prefix}.out_proj.bias", e),
            $"{name}.out_proj");
    }

    /// <summary>nn.MultiheadAttention's q, k and v projections (rows of <c>{prefix}.in_proj_weight/bias</c>), nodes
    /// named <c>{name}.q_proj</c> etc.</summary>
    public (Value Q, Value K, Value V) InputProjections(Value query, Value key, Value value, string prefix, string name)
    {
        int e = query.Dim(-1);
        Value Part(Value t, int i, string what) => Linear(t,
            WeightRows($"{prefix}.in_proj_weight", [3 * e, e], i * e, e),
            WeightRows($"{prefix}.in_proj_bias", [3 * e], i * e, e), $"{name}.{what}_proj");
        return (Part(query, 0, "q"), Part(key, 1, "k"), Part(value, 2, "v"));
    }
}
