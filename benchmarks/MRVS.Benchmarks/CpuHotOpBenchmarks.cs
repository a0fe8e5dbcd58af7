using BenchmarkDotNet.Attributes;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Benchmarks;

/// <summary>
/// The CPU backend's hot ops at the real shapes of SOC++ Video-Swin-T (8 frames 360×640), kernels only
/// (<see cref="CpuGraphRunner"/>: after the graph fusion pass, no host copies): a Linear with bias, GELU and residual
/// (Swin stage 2 fc1 width, 28 800 tokens), the whole Swin stage-2 MLP with its skip connection, LayerNorm (Swin
/// stage 1, 115 200 tokens × 96; deformable encoder 38 560 × 256 with residual), the Swin stage-1 shifted-window
/// attention (299 windows of 8×7×7 tokens, 3 heads) and one deformable encoder layer's attention core.
/// Run: dotnet run -c Release --project benchmarks/MRVS.Benchmarks -- --filter '*CpuHotOpBenchmarks*'
/// </summary>
public class CpuHotOpBenchmarks
{
    private readonly Dictionary<string, CpuGraphRunner> _runners = [];
    private readonly Random _rng = new(9);

    private Value In(ComputeGraph g, string name, params int[] shape)
    {
        var t = Tensor.Zeros(DType.F32, shape);
        foreach (ref var v in t.Span<float>()) v = (float)(_rng.NextDouble() - 0.5);
        return g.Constant(name, t);
    }

    [GlobalSetup]
    public void Setup()
    {
        const int swin2 = 8 * 45 * 80, swin1 = 8 * 90 * 160, tokens = 8 * 4820;
        var g = new ComputeGraph();
        var x = In(g, "x", swin2, 192);
        var h = g.Add(new LinearOp(Activation.Gelu), "fc1", x, In(g, "w1", 768, 192), In(g, "b1", 768));
        g.Tap("y", g.Add(new BinaryOp(BinaryKind.Add), "residual", h, In(g, "skip", swin2, 768)));
        _runners["linear"] = new CpuGraphRunner(g, "y");

        g = new ComputeGraph();
        x = In(g, "x", swin2, 192);
        h = g.Add(new LinearOp(Activation.Gelu), "fc1", x, In(g, "w1", 768, 192), In(g, "b1", 768));
        var y = g.Add(new LinearOp(), "fc2", h, In(g, "w2", 192, 768), In(g, "b2", 192));
        g.Tap("y", g.Add(new BinaryOp(BinaryKind.Add), "residual", x, y));
        _runners["mlp"] = new CpuGraphRunner(g, "y");

        g = new ComputeGraph();
        g.Tap("y", g.Add(new LayerNormOp(1e-5f), "norm", In(g, "x", swin1, 96), In(g, "g", 96), In(g, "b", 96)));
        _runners["layer_norm"] = new CpuGraphRunner(g, "y");

        g = new ComputeGraph();
        var sum = g.Add(new BinaryOp(BinaryKind.Add), "sum", In(g, "x", tokens, 256), In(g, "r", tokens, 256));
        g.Tap("y", g.Add(new LayerNormOp(1e-5f), "norm", sum, In(g, "g", 256), In(g, "b", 256)));
        _runners["residual_layer_norm"] = new CpuGraphRunner(g, "y");

        g = new ComputeGraph();
        var regions = Tensor.Zeros(DType.F32, 299, 392);
        foreach (ref var v in regions.Span<float>()) v = _rng.Next(4);
        var qkv = In(g, "qkv", 299, 392, 288);
        g.Tap("y",
            g.Add(new WindowAttentionOp(3, masked: true), "attn", qkv, In(g, "bias", 3, 392, 392),
                g.Constant("regions", regions)));
        _runners["window_attention"] = new CpuGraphRunner(g, "y");

        g = new ComputeGraph();
        int[][] levels = [[45, 80], [23, 40], [12, 20], [6, 10]];
        var locations = Tensor.Zeros(DType.F32, 8, 4820, 8, 4, 4, 2);
        foreach (ref var v in locations.Span<float>()) v = (float)_rng.NextDouble();
        var weights = Tensor.Zeros(DType.F32, 8, 4820, 8, 4, 4);
        foreach (ref var v in weights.Span<float>()) v = (float)_rng.NextDouble() / 16;
        g.Tap("y",
            g.Add(new MsDeformAttnOp(levels), "msda", In(g, "value", 8, 4820, 8, 32), g.Constant("loc", locations),
                g.Constant("w", weights)));
        _runners["ms_deform_attn"] = new CpuGraphRunner(g, "y");
        foreach (var (name, r) in _runners) Console.WriteLine($"// {name}: {r.Describe()}");
    }

    [Benchmark] public void LinearBiasGeluResidual28800x192to768() => _runners["linear"].Run();
    [Benchmark] public void SwinMlpWithSkip28800x192x768() => _runners["mlp"].Run();
    [Benchmark] public void LayerNorm115200x96() => _runners["layer_norm"].Run();
    [Benchmark] public void ResidualLayerNorm38560x256() => _runners["residual_layer_norm"].Run();
    [Benchmark] public void SwinWindowAttention299x392x96Masked() => _runners["window_attention"].Run();
    [Benchmark] public void MsDeformAttnEncoderLayer8x4820() => _runners["ms_deform_attn"].Run();

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var r in _runners.Values) r.Dispose();
    }
}
