using System.Runtime.InteropServices;

namespace MRVS.Backends.Cpu;

/// <summary>
/// A GEMM's B operand packed once (<see cref="Gemm.Pack"/>) for several products with it: panels of two SIMD vectors'
/// width, Kc-deep slices, k-major inside; native memory, freed on dispose.
/// </summary>
public sealed unsafe class PackedMatrix : IDisposable
{
    internal PackedMatrix(int n, int k, long floats)
    {
        N = n;
        K = k;
        Data = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
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
