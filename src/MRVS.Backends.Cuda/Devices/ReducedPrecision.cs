using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// float ↔ F16 / BF16 bit patterns for the emulated device, rounding to nearest even like the GPU's cvt.rn and
/// kernels/include/mrvs_half.h; NaN stays NaN.
/// </summary>
public static class ReducedPrecision
{
    public static float Widen(ushort bits, DType type) => type switch
    {
        DType.F16 => (float)BitConverter.UInt16BitsToHalf(bits),
        DType.BF16 => BitConverter.Int32BitsToSingle(bits << 16),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a 16-bit float type"),
    };

    public static ushort Narrow(float value, DType type)
    {
        switch (type)
        {
            case DType.F16:
                return BitConverter.HalfToUInt16Bits((Half)value);
            case DType.BF16:
                uint x = BitConverter.SingleToUInt32Bits(value);
                if ((x & 0x7fffffffu) > 0x7f800000u) return (ushort)((x >> 16) | 0x40u);
                return (ushort)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a 16-bit float type");
        }
    }
}
