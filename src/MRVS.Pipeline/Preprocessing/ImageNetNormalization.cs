namespace MRVS.Pipeline.Preprocessing;

/// <summary>
/// torchvision <c>ToTensor()</c> then <c>Normalize(mean, std)</c>: x = (uint8 / 255 − mean_c) / std_c, each step
/// rounded to float32 as torch does, so the result is bit-exact. A byte has 256 values, so each channel is a table.
/// </summary>
public static class ImageNetNormalization
{
    /// <summary>ImageNet's per-channel mean (R, G, B).</summary>
    public static ReadOnlySpan<float> Mean => [0.485f, 0.456f, 0.406f];
    /// <summary>ImageNet's per-channel standard deviation (R, G, B).</summary>
    public static ReadOnlySpan<float> Std => [0.229f, 0.224f, 0.225f];

    private static readonly float[][] Tables = [Table(0), Table(1), Table(2)];

    /// <summary>Writes an interleaved RGB (HWC) image as normalised planes (CHW) into <paramref name="chw"/>.</summary>
    public static void ToChw(ReadOnlySpan<byte> rgb, int width, int height, Span<float> chw)
    {
        int plane = width * height;
        if (rgb.Length != plane * 3 || chw.Length != plane * 3)
            throw new ArgumentException($"{width}x{height} image: {rgb.Length} RGB bytes and {chw.Length} floats, " +
                $"expected {plane * 3} of each");
        for (int c = 0; c < 3; c++)
        {
            var table = Tables[c];
            var dst = chw.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) dst[i] = table[rgb[i * 3 + c]];
        }
    }

    private static float[] Table(int channel)
    {
        var t = new float[256];
        float mean = Mean[channel], std = Std[channel];
        for (int v = 0; v < 256; v++)
        {
            float x = v / 255f;
            t[v] = (x - mean) / std;
        }
        return t;
    }
}
