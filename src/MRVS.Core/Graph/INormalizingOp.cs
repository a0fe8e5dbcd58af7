namespace MRVS.Core.Graph;

/// <summary>
/// An op whose kernels can apply a LayerNorm (γ, β: its last two inputs) to its output rows as their last step, so
/// that a following LayerNorm needs no pass of its own (<see cref="Fusion.LayerNormEpilogueRule"/>).
/// </summary>
public interface INormalizingOp
{
    /// <summary>The LayerNorm's eps when the op normalises its output; null when it does not.</summary>
    float? NormEps { get; }

    /// <summary>The same op taking two more inputs, γ and β, and normalising its output with <paramref
    /// name="eps"/>.</summary>
    Op WithLayerNorm(float eps);

    /// <summary>How many inputs the LayerNorm adds to <paramref name="op"/>'s: 2 or 0.</summary>
    static int Inputs(INormalizingOp op) => op.NormEps is null ? 0 : 2;
}
