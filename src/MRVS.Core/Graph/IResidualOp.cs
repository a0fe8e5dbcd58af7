namespace MRVS.Core.Graph;

/// <summary>
/// An op whose kernels can add a residual (a tensor of the output's type, the op's last input) to the result as their
/// last step, so that a following add needs no pass of its own (<see cref="Fusion.ResidualAddRule"/>).
/// </summary>
public interface IResidualOp
{
    bool HasResidual { get; }

    /// <summary>Whether <see cref="WithResidual"/> applies: no residual yet, and no step of the op's after the one
    /// that would add it (a LayerNorm epilogue, <see cref="INormalizingOp"/>).</summary>
    bool TakesResidual { get; }

    /// <summary>The same op taking one more input, the residual, added last.</summary>
    Op WithResidual();
}
