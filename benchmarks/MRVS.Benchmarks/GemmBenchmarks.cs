using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace MRVS.Benchmarks;

/// <summary>
/// The CPU GEMM alone at the shapes the model gives it: a Linear (B = [N, K] weight), a Swin-T stage-1 qkv
/// projection, an FPN 3×3 conv after im2col (B = [K, N]) and a square reference size.
/// Run: dotnet run -c Release --project benchmarks/MRVS.Benchmarks -- --filter '*GemmBenchmarks*'
/// </summary>
public unsafe class GemmBenchmarks
{
    private float* _a, _b, _c;

    [Params("4820x2048x256 Bt", "12544x288x96 Bt", "32x3600x576 B", "1024x1024x1024 B")]
    public string Shape { get; set; } = "";

    private (int M, int N, int K, bool TransposeB) Parse()
    {
        var parts = Shape.Split(' ');
        var d = parts[0].Split('x').Select(int.Parse).ToArray();
        return (d[0], d[1], d[2], parts[1] == "Bt");
    }

    [GlobalSetup]
    public void Setup()
    {
        var (m, n, k, _) = Parse();
        var rng = new Random(1);
        _a = Fill(rng, (long)m * k);
        _b = Fill(rng, (long)k * n);
        _c = (float*)NativeMemory.AlignedAlloc((nuint)((long)m * n * sizeof(float)), 64);
    }

    private static float* Fill(Random rng, long count)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        for (long i = 0; i < count; i++) p[i] = (float)(rng.NextDouble() - 0.5);
        return p;
    }

    [Benchmark]
    public void Gemm()
    {
        var (m, n, k, transposeB) = Parse();
        Backends.Cpu.Gemm.Run(_a, _b, _c, m, n, k, transposeB);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
    }
}
