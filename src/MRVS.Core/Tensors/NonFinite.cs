using System.Numerics;
using System.Runtime.InteropServices;

namespace MRVS.Core.Tensors;

/// <summary>Counts NaN and ±Inf values of float tensors (weights checked at load): all exponent bits set.</summary>
public static class NonFinite
{
    /// <summary>NaN and ±Inf values of an F32, F64, F16 or BF16 tensor; 0 for integer tensors.</summary>
    public static long Count(Tensor t) => t.DType switch
    {
        DType.F32 => Count(MemoryMarshal.Cast<float, uint>(t.Span<float>()), 0x7F80_0000u),
        DType.F64 => Count(MemoryMarshal.Cast<double, ulong>(t.Span<double>()), 0x7FF0_0000_0000_0000ul),
        DType.F16 => Count(t.Span<ushort>(), (ushort)0x7C00),
        DType.BF16 => Count(t.Span<ushort>(), (ushort)0x7F80),
        _ => 0,
    };

    private static long Count<T>(ReadOnlySpan<T> bits, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        long n = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && bits.Length >= Vector<T>.Count)
        {
            var mask = new Vector<T>(exponent);
            var lanes = MemoryMarshal.Cast<T, Vector<T>>(bits);
            foreach (var v in lanes)
                if (Vector.EqualsAny(v & mask, mask))
                    for (int k = 0; k < Vector<T>.Count; k++) n += (v[k] & exponent) == exponent ? 1 : 0;
            i = lanes.Length * Vector<T>.Count;
        }
        for (; i < bits.Length; i++) n += (bits[i] & exponent) == exponent ? 1 : 0;
        return n;
    }
}
