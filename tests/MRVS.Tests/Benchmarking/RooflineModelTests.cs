using MRVS.Core.Execution;
using MRVS.Pipeline.Benchmarking;

namespace MRVS.Tests.Benchmarking;

/// <summary>
/// The roofline model's terms on hand-made counts: which peak each kind of work is put on, and the launch cost.
/// </summary>
public class RooflineModelTests
{
    private static readonly GpuPeaks H100 = GpuPeaks.Known["h100"];
    private static readonly RooflineAssumptions Assumed = new();

    private static DeviceWork Kernel(long bytes, long tensorFlops = 0) =>
        new(DeviceWorkKind.Kernel, "k", Count: 1, Blocks: 1, ReadBytes: bytes, WrittenBytes: 0, FootprintBytes: bytes,
            Flops: 0, TensorFlops: tensorFlops);

    [Test]
    public void AStreamingKernelIsBoundByBandwidth()
    {
        var node = new NodeWork("copy", "permute", 1 << 30, 0, [Kernel(1L << 30)]);
        var m = new RooflineModel(H100, Assumed, Precision.Fp32).Model(node);
        Assert.That(m.WorkMs, Is.EqualTo((1L << 30) / (H100.BytesPerSecond * Assumed.Memory) * 1e3).Within(1e-9));
        Assert.That(m.Bound, Is.EqualTo("memory"));
        Assert.That(m.EagerMs - m.GraphMs, Is.EqualTo(
            (Assumed.LaunchMicrosecondsEager - Assumed.LaunchMicrosecondsGraph) * 1e-3).Within(1e-12));
    }

    [Test]
    public void KernelFlopsGoOnTensorCoresOnlyWhereTheKernelsIssuedMmas()
    {
        const long flops = 200_000_000_000;
        var cudaCores = new NodeWork("attn", "window_attention", 0, flops, [Kernel(1)]);
        var tensorCores = cudaCores with { Work = [Kernel(1, tensorFlops: flops * 11 / 10)] };
        var model = new RooflineModel(H100, Assumed, Precision.Bf16);
        Assert.That(model.Model(cudaCores).ComputeMs,
            Is.EqualTo(flops / (H100.Fp32FlopsPerSecond * Assumed.KernelFp32) * 1e3).Within(1e-9));
        Assert.That(model.Model(tensorCores).ComputeMs, Is.EqualTo(
            flops * 11 / 10 / (H100.DenseTensorFlopsPerSecond * Assumed.KernelTensor) * 1e3).Within(1e-9),
            "the MMAs executed, padding included, when they exceed the op's FLOPs");
    }

    [Test]
    public void GemmsRunAtThePrecisionsPeak()
    {
        const long flops = 2L * 4096 * 4096 * 4096;
        var gemm = new DeviceWork(DeviceWorkKind.Gemm, "gemm", Count: 1, Blocks: 1, ReadBytes: 1, WrittenBytes: 1,
            FootprintBytes: 2, Flops: flops);
        var node = new NodeWork("fc", "linear", 0, flops, [gemm]);
        double fp32 = new RooflineModel(H100, Assumed, Precision.Fp32).Model(node).ComputeMs;
        double bf16 = new RooflineModel(H100, Assumed, Precision.Bf16).Model(node).ComputeMs;
        Assert.That(fp32, Is.EqualTo(flops / (H100.Fp32FlopsPerSecond * Assumed.GemmFp32) * 1e3).Within(1e-9));
        Assert.That(bf16, Is.EqualTo(flops / (H100.DenseTensorFlopsPerSecond * Assumed.GemmTensor) * 1e3).Within(1e-9));
    }
}
