using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Tensors;

namespace MRVS.Tests.Cuda;

/// <summary>
/// kernels/include/mrvs_half.h through the test kernels of Cuda/kernels/half_conversion.cu (emulated): widening of
/// every 16-bit pattern, and narrowing of edge cases and random floats, against System.Half and an exact
/// round-to-nearest-even bfloat16 reference; the C# <see cref="ReducedPrecision"/> must agree with both.
/// </summary>
public class HalfConversionTests
{
    [Test]
    public void EveryHalfAndBf16PatternWidensExactly()
    {
        using var device = TestDevices.TestKernels();
        var bits = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        using var input = new DeviceArray<ushort>(device, bits);
        using var fromHalf = new DeviceArray<float>(device, bits.Length);
        using var fromBf16 = new DeviceArray<float>(device, bits.Length);
        device.LaunchAndWait("test_widen", Dim3.Blocks(bits.Length, 256), new Dim3(256), 0,
            a => a.Ptr(input.Ptr).Ptr(fromHalf.Ptr).Ptr(fromBf16.Ptr).Add(bits.Length));
        var h = fromHalf.Download();
        var b = fromBf16.Download();
        for (int i = 0; i < bits.Length; i++)
        {
            float half = (float)BitConverter.UInt16BitsToHalf(bits[i]), bf16 = BitConverter.Int32BitsToSingle(i << 16);
            AssertSameFloat(h[i], half, $"half 0x{i:x4}");
            AssertSameFloat(b[i], bf16, $"bf16 0x{i:x4}");
            AssertSameFloat(ReducedPrecision.Widen(bits[i], DType.F16), half, $"ReducedPrecision half 0x{i:x4}");
        }
    }

    [Test]
    public void FloatsNarrowToTheNearestEvenHalfAndBf16()
    {
        using var device = TestDevices.TestKernels();
        var rng = new Random(16);
        float[] edges =
        [
            0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.MaxValue, -float.MaxValue,
            float.Epsilon, 65504f, 65519.996f, 65520f, -65520f, 1e5f,
            MathF.Pow(2, -14), MathF.Pow(2, -24), MathF.Pow(2, -25), -MathF.Pow(2, -25),
            MathF.Pow(2, -25) * 1.0001f, MathF.Pow(2, -24) * 1.5f, MathF.Pow(2, -24) * 2.5f,
            MathF.Pow(2, -14) * 0.99951f,
            1 + MathF.Pow(2, -11), 1 + 3 * MathF.Pow(2, -11), 1 + MathF.Pow(2, -8), 1 + 3 * MathF.Pow(2, -8),
            3.3895314e38f, 3.3961776e38f,
        ];
        var randomBits = Enumerable.Range(0, 100_000).Select(_ =>
            BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next(2) << 31)));
        var inRange = Enumerable.Range(0, 100_000).Select(_ =>
            (float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-26, 18))));
        var xs = edges.Concat(randomBits).Concat(inRange).ToArray();
        using var input = new DeviceArray<float>(device, xs);
        using var toHalf = new DeviceArray<ushort>(device, xs.Length);
        using var toBf16 = new DeviceArray<ushort>(device, xs.Length);
        device.LaunchAndWait("test_narrow", Dim3.Blocks(xs.Length, 256), new Dim3(256), 0,
            a => a.Ptr(input.Ptr).Ptr(toHalf.Ptr).Ptr(toBf16.Ptr).Add(xs.Length));
        var h = toHalf.Download();
        var b = toBf16.Download();
        for (int i = 0; i < xs.Length; i++)
        {
            float x = xs[i];
            AssertSameHalf(h[i], BitConverter.HalfToUInt16Bits((Half)x), $"half({x:R})");
            AssertSameBf16(b[i], NearestBf16(x), $"bf16({x:R})");
            AssertSameBf16(ReducedPrecision.Narrow(x, DType.BF16), NearestBf16(x), $"ReducedPrecision bf16({x:R})");
        }
    }

    /// <summary>The nearest bfloat16 by comparing distances in float64, ties to the even pattern; past the largest
    /// finite, infinity.</summary>
    private static ushort NearestBf16(float x)
    {
        if (float.IsNaN(x)) return 0x7fc0;
        uint bits = BitConverter.SingleToUInt32Bits(x);
        ushort sign = (ushort)(bits >> 16 & 0x8000), down = (ushort)(bits >> 16 & 0x7fff);
        if (down == 0x7f80) return (ushort)(sign | down); // infinity
        ushort up = (ushort)(down + 1);
        double magnitude = Math.Abs((double)x), low = BitConverter.Int32BitsToSingle(down << 16);
        double high = up == 0x7f80 ? Math.Pow(2, 128) : BitConverter.Int32BitsToSingle(up << 16);
        double dl = magnitude - low, dh = high - magnitude;
        ushort nearest = dl < dh ? down : dh < dl ? up : (down & 1) == 0 ? down : up;
        return (ushort)(sign | nearest);
    }

    private static void AssertSameFloat(float actual, float expected, string what)
    {
        if (float.IsNaN(expected)) Assert.That(float.IsNaN(actual), what);
        else Assert.That(BitConverter.SingleToUInt32Bits(actual), Is.EqualTo(BitConverter.SingleToUInt32Bits(expected)),
            what);
    }

    private static void AssertSameHalf(ushort actual, ushort expected, string what)
    {
        if (Half.IsNaN(BitConverter.UInt16BitsToHalf(expected)))
            Assert.That(Half.IsNaN(BitConverter.UInt16BitsToHalf(actual)), what);
        else Assert.That(actual, Is.EqualTo(expected), what);
    }

    private static void AssertSameBf16(ushort actual, ushort expected, string what)
    {
        bool IsNaN(ushort v) => (v & 0x7fff) > 0x7f80;
        if (IsNaN(expected)) Assert.That(IsNaN(actual), what);
        else Assert.That(actual, Is.EqualTo(expected), what);
    }
}
