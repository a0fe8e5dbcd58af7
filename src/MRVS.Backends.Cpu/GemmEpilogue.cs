using System.Runtime.CompilerServices;
using MRVS.Backends.Cpu.Ops;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu;

/// <summary>
/// What a GEMM does to each C tile after its last k-slice, while the tile is in L1: c = act(c + bias[column]) +
/// residual[row, column] (each part optional). The same operations in the same order as a separate bias, activation
/// and add pass, so fusing them changes no bit.
/// </summary>
/// <param name="Bias">float[N], or 0.</param>
/// <param name="Residual">float[M, ldResidual] added last, or 0.</param>
public readonly record struct GemmEpilogue(nint Bias, Activation Activation, nint Residual, long LdResidual)
{
    public bool IsEmpty => Bias == 0 && Activation == Activation.None && Residual == 0;

    /// <summary>
    /// Applies the epilogue to a full tile of <see cref="GemmMicroKernel.Rows"/> rows × 2 vectors at
    /// <paramref name="c"/>; <paramref name="bias"/> and <paramref name="residual"/> point at the tile's own columns
    /// (and rows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal unsafe void ApplyToTile<TL, TV>(float* c, long ldc, float* bias, float* residual, long ldr)
        where TL : struct, ISimdLanes<TV> where TV : struct
    {
        int w = TL.Count;
        TV b0 = bias == null ? TL.Zero : TL.Load(bias), b1 = bias == null ? TL.Zero : TL.Load(bias + w);
        bool relu = Activation == Activation.Relu, span = Activation is not (Activation.None or Activation.Relu);
        for (int r = 0; r < GemmMicroKernel.Rows; r++, c += ldc)
        {
            TV v0 = TL.Load(c), v1 = TL.Load(c + w);
            if (bias != null) { v0 = TL.Add(v0, b0); v1 = TL.Add(v1, b1); }
            if (relu) { v0 = TL.Relu(v0); v1 = TL.Relu(v1); }
            if (span)
            {
                TL.Store(v0, c);
                TL.Store(v1, c + w);
                Activations.Apply(Activation, new Span<float>(c, 2 * w));
                v0 = TL.Load(c);
                v1 = TL.Load(c + w);
            }
            if (residual != null)
            {
                v0 = TL.Add(v0, TL.Load(residual + r * ldr));
                v1 = TL.Add(v1, TL.Load(residual + r * ldr + w));
            }
            TL.Store(v0, c);
            TL.Store(v1, c + w);
        }
    }

    /// <summary>
    /// Applies the epilogue to <paramref name="count"/> values of row <paramref name="row"/> of C, from column
    /// <paramref name="column"/>.
    /// </summary>
    internal unsafe void ApplyToRow(float* c, int column, int count, long row)
    {
        if (Bias != 0)
            for (int j = 0; j < count; j++) c[j] += ((float*)Bias)[column + j];
        Activations.Apply(Activation, new Span<float>(c, count));
        if (Residual != 0)
            for (int j = 0; j < count; j++) c[j] += ((float*)Residual)[row * LdResidual + column + j];
    }
}
