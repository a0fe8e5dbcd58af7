namespace MRVS.Core.Numerics;

/// <summary>
/// Scalar activations shared by the CPU kernels and host code (the kernels in kernels/ use the same formulas).
/// </summary>
public static class ScalarActivations
{
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
