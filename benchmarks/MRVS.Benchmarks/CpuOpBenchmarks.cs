using BenchmarkDotNet.Attributes;
using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Benchmarks;

/// <summary>
/// The CPU backend's hot ops at the real model's sizes (360×640 input, d_model 256): the deformable encoder FFN GEMM,
/// the vlf attention of every stride-8 token over a 20-token sentence, an FPN 3×3 conv, and a Swin-T stage-1
/// shifted-window attention (32 windows of 8×7×7 tokens, 96 channels, 3 heads).
/// Run: dotnet run -c Release --project benchmarks/MRVS.Benchmarks -- --filter '*CpuOpBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class CpuOpBenchmarks
{
    private Executor _linear = null!, _attention = null!, _conv = null!, _windowAttention = null!;
    private Dictionary<string, Tensor> _linearIn = null!, _attentionIn = null!, _convIn = null!,
        _windowAttentionIn = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        (_linear, _linearIn) = Single(new LinearOp(Activation.Relu), rng, [4820, 256], [2048, 256], [2048]);
        (_attention, _attentionIn) = Single(new AttentionOp(8), rng, [1, 3600, 256], [1, 20, 256], [1, 20, 256]);
        (_conv, _convIn) = Single(new Conv2dOp(1, 1), rng, [1, 64, 45, 80], [32, 64, 3, 3], [32]);
        (_windowAttention, _windowAttentionIn) =
            Single(new WindowAttentionOp(3, masked: true), rng, [32, 392, 288], [3, 392, 392], [32, 392]);
    }

    private static (Executor, Dictionary<string, Tensor>) Single(Op op, Random rng, params int[][] shapes)
    {
        var g = new ComputeGraph();
        var feeds = new Dictionary<string, Tensor>();
        var inputs = shapes.Select((s, i) =>
        {
            var t = Tensor.Zeros(DType.F32, s);
            foreach (ref var v in t.Span<float>()) v = (float)(rng.NextDouble() - 0.5);
            feeds[$"x{i}"] = t;
            return g.Input($"x{i}", DType.F32, s);
        }).ToArray();
        g.Tap("y", g.Add(op, op.Kind, inputs));
        return (new Executor(g, new CpuBackend()), feeds);
    }

    [Benchmark] public void EncoderFfnLinear4820x256x2048() => _linear.Run(_linearIn).Outputs["y"].Dispose();
    [Benchmark] public void VlfAttention3600x20() => _attention.Run(_attentionIn).Outputs["y"].Dispose();
    [Benchmark] public void FpnConv3x3_64to32_45x80() => _conv.Run(_convIn).Outputs["y"].Dispose();
    [Benchmark]
    public void SwinWindowAttention32x392x96() => _windowAttention.Run(_windowAttentionIn).Outputs["y"].Dispose();

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var e in new[] { _linear, _attention, _conv, _windowAttention }) e.Dispose();
    }
}
