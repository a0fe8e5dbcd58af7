using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Parity;

/// <summary>
/// One check of a CUDA kernel against its CPU reference op: <see cref="Op"/> (which names the op type and kind it
/// covers) on inputs made by <see cref="Inputs"/> from a random source seeded by the case's name, so each case is the
/// same whenever and however it runs. Floats must agree within <see cref="RelativeToScale"/> · max|reference| +
/// <see cref="Absolute"/>; integers and booleans exactly.
/// </summary>
public sealed record KernelParityCase(string Name, Op Op, Func<Random, Tensor[]> Inputs)
{
    public const double RelativeToScale = 1e-5, Absolute = 1e-6;

    public Type OpType => Op.GetType();

    /// <summary>The inputs of this case (fresh tensors each call).</summary>
    public Tensor[] CreateInputs() => Inputs(new Random(StableSeed(Name)));

    public override string ToString() => Name;

    /// <summary>FNV-1a of the name: string.GetHashCode differs between processes.</summary>
    private static int StableSeed(string name)
    {
        uint h = 2166136261;
        foreach (char c in name) h = (h ^ c) * 16777619;
        return (int)(h & int.MaxValue);
    }
}
