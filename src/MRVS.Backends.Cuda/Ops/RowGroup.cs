using MRVS.Backends.Cuda.Devices;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// The launch shape of the row-wise kernels of kernels/include/mrvs_rows.h (layer_norm, softmax): a block of
/// <see cref="Block"/> threads, <see cref="Threads"/> of them per row (a power of two; each thread holds up to
/// <see cref="Slots"/> elements in registers), and 128-bit loads when every row of every pointer is 16-byte aligned.
/// </summary>
internal readonly record struct RowGroup(Dim3 Grid, int Threads, bool Vector4)
{
    /// <summary>MRVS_ROW_BLOCK and MRVS_ROW_SLOTS of mrvs_rows.h.</summary>
    public const int Block = 128, Slots = 16;

    public static RowGroup For(long rows, int n, params ReadOnlySpan<nint> pointers)
    {
        int g = 1;
        while (g < Block && (long)g * Slots < n) g *= 2;
        bool vector4 = n % 4 == 0;
        foreach (var p in pointers) vector4 &= p % 16 == 0;
        return new RowGroup(Dim3.Blocks(rows, (uint)(Block / g)), g, vector4);
    }
}
