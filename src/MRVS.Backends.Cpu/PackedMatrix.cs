using System.Runtime.InteropServices;

namespace MRVS.Backends.Cpu;

/// <summary>
/// A GEMM's B operand (K × N) packed once for several products with it (<see cref="Gemm.Pack"/>), or filled by a
/// caller that produces B itself (a convolution's implicit im2col, <see cref="Panel"/>): panels of
/// <see cref="PanelWidth"/> columns (two SIMD vectors), in slices of <see cref="SliceDepth"/> rows of k, each panel
/// k-major inside (a row of PanelWidth floats per k), columns past N zero; native memory, freed on dispose.
/// </summary>
public sealed unsafe class PackedMatrix : IDisposable
{
    /// <summary>Rows of k per slice: a slice of a panel stays in L1 while the micro-kernel streams it.</summary>
    public const int SliceDepth = 256;

    public PackedMatrix(int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        N = n;
        K = k;
        PanelWidth = 2 * SimdWidth.Floats;
        Panels = (n + PanelWidth - 1) / PanelWidth;
        Data = (float*)NativeMemory.AlignedAlloc((nuint)((long)Panels * PanelWidth * Math.Max(k, 1) * sizeof(float)),
            64);
    }

    public int PanelWidth { get; }
    public int Panels { get; }

    /// <summary>
    /// The PanelWidth floats of row <paramref name="k"/> of panel <paramref name="panel"/> (columns panel·PanelWidth
    /// on).
    /// </summary>
    public float* Panel(int panel, int k)
    {
        int k0 = k / SliceDepth * SliceDepth, depth = Math.Min(SliceDepth, K - k0);
        return Data + ((long)k0 * Panels + (long)panel * depth + (k - k0)) * PanelWidth;
    }

    /// <summary>Columns of op(B), the product's N.</summary>
    public int N { get; }

    /// <summary>Rows of op(B), the product's K.</summary>
    public int K { get; }

    internal float* Data { get; private set; }

    public void Dispose()
    {
        if (Data == null) return;
        NativeMemory.AlignedFree(Data);
        Data = null;
    }
}
