namespace MRVS.Core.Graph;

/// <summary>
/// An operation with its attributes. <see cref="Kind"/> (e.g. layer_norm) names what implements it: the CPU kernel
/// and the CUDA launch Ops/LayerNorm.cs of each backend and the kernel file kernels/layer_norm.cu (tests check it);
/// <see cref="Infer"/> checks the inputs once, at build time, so backends can assume valid shapes.
/// </summary>
public abstract class Op
{
    public abstract string Kind { get; }

    /// <summary>The output type, or a <see cref="ShapeException"/> whose message says what was expected.</summary>
    public abstract TensorType Infer(IReadOnlyList<TensorType> inputs);

    /// <summary>True when the output shares the memory of input 0 (a reshape): no kernel runs.</summary>
    public virtual bool IsView => false;

    /// <summary>
    /// For a view, where its data starts in input 0's, in bytes (0 for a reshape; a member of a stacked tensor
    /// starts further in).
    /// </summary>
    public virtual long ViewOffset(TensorType input) => 0;

    public virtual string Describe() => Kind;

    /// <summary>
    /// Floating-point operations of one evaluation at these shapes (a multiply-add counts two), for roofline and
    /// efficiency figures; 0 where the op does not state them (data movement, or arithmetic too small to matter next
    /// to its memory traffic).
    /// </summary>
    public virtual long Flops(IReadOnlyList<TensorType> inputs, TensorType output) => 0;

    /// <summary>
    /// Bytes of input <paramref name="index"/> any implementation must read: all of it, unless the op reads only part
    /// (a gather, a slice).
    /// </summary>
    public virtual long BytesRead(int index, IReadOnlyList<TensorType> inputs, TensorType output) =>
        inputs[index].Bytes;

    protected static ShapeException Error(string message) => new(message);

    protected static void Expect(bool ok, string message)
    {
        if (!ok) throw new ShapeException(message);
    }

    protected static void ExpectCount(IReadOnlyList<TensorType> inputs, int min, int max, string what)
    {
        if (inputs.Count < min || inputs.Count > max)
            throw new ShapeException($"{what}: {inputs.Count} inputs, expected {(min == max ? min.ToString()
                : $"{min} to {max}")}");
    }

    protected static void ExpectDType(TensorType t, Tensors.DType dtype, string what)
    {
        if (t.DType != dtype) throw new ShapeException($"{what} is {t}, expected {dtype}");
    }

    /// <summary>A LayerNorm's γ and β, the last two inputs, are [n] for the normalised width n of <paramref
    /// name="x"/>.</summary>
    protected static void ExpectNormAffine(IReadOnlyList<TensorType> inputs, TensorType x)
    {
        var (g, b) = (inputs[^2], inputs[^1]);
        Expect(g.Rank == 1 && g[0] == x[-1] && b.Equals(g),
            $"γ {g} / β {b} do not match the normalised width {x[-1]}");
    }
}
