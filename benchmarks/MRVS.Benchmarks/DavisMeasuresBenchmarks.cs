using BenchmarkDotNet.Attributes;
using MRVS.Pipeline.Evaluation.Metrics;

namespace MRVS.Benchmarks;

/// <summary>
/// One 1280×720 frame scored with the DAVIS measures (J, and F with its disk of radius 12): an ellipse as ground
/// truth, the same ellipse shifted and with scattered flipped pixels as prediction (long, ragged boundaries).
/// Run: dotnet run -c Release --project benchmarks/MRVS.Benchmarks -- --filter '*DavisMeasuresBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class DavisMeasuresBenchmarks
{
    private const int Height = 720, Width = 1280;
    private BitMask _gt = null!, _pred = null!;
    private byte[] _predPixels = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        var gt = new byte[Height * Width];
        _predPixels = new byte[Height * Width];
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                double a = (x - 640.0) / 400, b = (y - 360.0) / 250, c = (x - 660.0) / 390, d = (y - 350.0) / 260;
                gt[y * Width + x] = (byte)(a * a + b * b <= 1 ? 1 : 0);
                bool inside = c * c + d * d <= 1;
                _predPixels[y * Width + x] = (byte)(inside ^ (rng.NextDouble() < 0.002) ? 1 : 0);
            }
        _gt = BitMask.FromPixels(gt, Height, Width);
        _pred = BitMask.FromPixels(_predPixels, Height, Width);
    }

    [Benchmark] public double Jaccard() => DavisMeasures.Jaccard(_gt, _pred);

    [Benchmark] public double BoundaryF() => DavisMeasures.BoundaryF(_gt, _pred);

    /// <summary>Packing a decoded mask into bits, which every frame pays once.</summary>
    [Benchmark] public BitMask Pack() => BitMask.FromPixels(_predPixels, Height, Width);
}
