namespace MRVS.Backends.Cuda.Ops;

/// <summary>The unit of the copy kernels (kernels/include/mrvs_units.h): 16, 8, 4, 2 or 1 bytes moved at
/// once.</summary>
internal static class CopyUnit
{
    /// <summary>The widest unit that divides a contiguous run of <paramref name="runBytes"/> and every pointer's
    /// alignment.</summary>
    public static int Widest(long runBytes, params ReadOnlySpan<nint> pointers)
    {
        int unit = 16;
        while (unit > 1 && runBytes % unit != 0) unit /= 2;
        foreach (var p in pointers)
            while (unit > 1 && p % unit != 0) unit /= 2;
        return unit;
    }
}
