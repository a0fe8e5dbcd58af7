using MRVS.Core.Execution;

namespace MRVS.Pipeline.Benchmarking;

/// <summary>A GPU's datasheet peaks, for the roofline model.</summary>
public sealed record GpuPeaks(
    string Name, double BytesPerSecond, double Fp32FlopsPerSecond, double DenseTensorFlopsPerSecond)
{
    /// <summary>NVIDIA's datasheets, SXM parts: HBM bandwidth, FP32 (CUDA cores), dense BF16/FP16 (tensor).</summary>
    public static IReadOnlyDictionary<string, GpuPeaks> Known { get; } =
        new Dictionary<string, GpuPeaks>(StringComparer.Ordinal)
        {
            ["h100"] = new("H100 SXM", 3.35e12, 67e12, 989e12),
            ["h200"] = new("H200 SXM", 4.8e12, 67e12, 989e12),
        };
}

/// <summary>
/// The efficiency factors of the model, stated: the fraction of each peak the work is assumed to reach, and the cost
/// of a launch. Streaming kernels reach about 80-90 % of HBM bandwidth (STREAM-like copies); hand-written CUDA-core
/// kernels half the FP32 peak; cuBLAS FP32 (SIMT, no TF32) 70 % of the FP32 peak and 16-bit tensor-core GEMMs 60 % of
/// the dense peak at these mid-sized shapes; hand-written kernels on tensor cores (mma.sync, not Hopper's wgmma)
/// a quarter of the dense peak (FlashAttention-2, the same instructions, reports about a third on H100 at head dim 64
/// and more; Swin's head dim is 32); a launch costs 4 µs of gap when launched one by one from the host (launch-bound
/// streams of short kernels) and 1 µs in a replayed CUDA graph.
/// </summary>
public sealed record RooflineAssumptions(double Memory = 0.8, double KernelFp32 = 0.5, double GemmFp32 = 0.7,
    double GemmTensor = 0.6, double KernelTensor = 0.25, double LaunchMicrosecondsEager = 4,
    double LaunchMicrosecondsGraph = 1);

/// <summary>One node's modeled time: memory, compute and launch terms, in milliseconds.</summary>
public sealed record ModeledNode(
    NodeWork Work, double MemoryMs, double ComputeMs, double WorkMs, double LaunchMsEager, double LaunchMsGraph)
{
    /// <summary>Modeled time with eager launches.</summary>
    public double EagerMs => WorkMs + LaunchMsEager;
    /// <summary>Modeled time when replayed from a CUDA graph.</summary>
    public double GraphMs => WorkMs + LaunchMsGraph;

    /// <summary>What dominates the eager time: memory, compute or launches.</summary>
    public string Bound => LaunchMsEager > WorkMs ? "launch" : MemoryMs >= ComputeMs ? "memory" : "compute";
}

/// <summary>
/// A roofline MODEL of a forward on a GPU from the emulation's counters; never a measurement. Per node: kernels and
/// copies take max(traffic / (bandwidth · memory efficiency), FLOPs / (FP32 peak · kernel efficiency)), where the
/// kernels' FLOPs are the node's (<see cref="Core.Graph.Op.Flops"/>) less its GEMMs'; when its kernels issued
/// tensor-core MMAs (<see cref="NodeWork.TensorFlops"/>), those FLOPs (the larger of the op's and the MMAs', which
/// include the padding of partial tiles) are on the dense tensor peak at the tensor kernel efficiency; each GEMM takes
/// max(operand bytes / (bandwidth · memory efficiency), FLOPs / (GEMM peak · GEMM efficiency)), the GEMM peak being
/// the precision's (FP32, or the dense tensor peak for fp16/bf16); then every launch adds its cost, eager or in graph
/// replay.
/// </summary>
public sealed class RooflineModel(GpuPeaks gpu, RooflineAssumptions assumptions, Precision precision)
{
    /// <summary>The GPU modeled.</summary>
    public GpuPeaks Gpu { get; } = gpu;
    /// <summary>The stated efficiencies the model assumes.</summary>
    public RooflineAssumptions Assumptions { get; } = assumptions;
    /// <summary>The GEMM precision modeled.</summary>
    public Precision Precision { get; } = precision;

    /// <summary>Every node of the counted forward, modeled.</summary>
    public IReadOnlyList<ModeledNode> Model(ForwardCounters counters) => [.. counters.Nodes.Select(Model)];

    /// <summary>One node's modeled time: the slower of its memory and compute bounds, plus launch cost.</summary>
    public ModeledNode Model(NodeWork node)
    {
        var a = Assumptions;
        double bandwidth = Gpu.BytesPerSecond * a.Memory;
        double gemmPeak = Precision == Precision.Fp32
            ? Gpu.Fp32FlopsPerSecond * a.GemmFp32
            : Gpu.DenseTensorFlopsPerSecond * a.GemmTensor;
        long kernelBytes = node.Work.Where(w => w.Kind != DeviceWorkKind.Gemm).Sum(w => w.TrafficBytes);
        long kernelFlops = Math.Max(0, node.Flops - node.GemmFlops);
        double compute = node.TensorFlops > 0
            ? Math.Max(kernelFlops, node.TensorFlops) / (Gpu.DenseTensorFlopsPerSecond * a.KernelTensor)
            : kernelFlops / (Gpu.Fp32FlopsPerSecond * a.KernelFp32);
        double memory = kernelBytes / bandwidth;
        double work = Math.Max(memory, compute);
        foreach (var g in node.Work.Where(w => w.Kind == DeviceWorkKind.Gemm))
        {
            double gm = g.TrafficBytes / bandwidth, gc = g.Flops / gemmPeak;
            memory += gm;
            compute += gc;
            work += Math.Max(gm, gc);
        }
        return new ModeledNode(node, memory * 1e3, compute * 1e3, work * 1e3,
            node.Launches * a.LaunchMicrosecondsEager * 1e-3, node.Launches * a.LaunchMicrosecondsGraph * 1e-3);
    }
}
