using MRVS.Pipeline.Media;

namespace MRVS.Tests.Segmentation;

/// <summary>Frames for the segmentation tests: seeded noise, and a source that counts what was pulled from
/// it.</summary>
public static class TestFrames
{
    public static RgbFrame NoiseFrame(int index, int width, int height)
    {
        var rgb = new byte[width * height * 3];
        new Random(index).NextBytes(rgb);
        return new RgbFrame($"{index:D5}", width, height, rgb);
    }

    public static List<RgbFrame> Noise(int count, int width, int height) =>
        Enumerable.Range(0, count).Select(i => NoiseFrame(i, width, height)).ToList();

    /// <summary>Yields noise frames lazily and counts them in <see cref="Counter.Pulled"/>.</summary>
    public static IEnumerable<RgbFrame> Counted(int count, int width, int height, Counter counter)
    {
        for (int i = 0; i < count; i++)
        {
            counter.Pulled++;
            yield return NoiseFrame(i, width, height);
        }
    }

    public sealed class Counter
    {
        public int Pulled { get; set; }
    }
}
