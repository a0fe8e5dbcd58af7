using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Emulation;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The instrumented emulation (libmrvs_kernels_emu_counters.so): distinct 32-byte sectors of device memory per thread
/// block, on kernels whose access pattern is known, attributed to graph nodes; and the same results as the plain build.
/// </summary>
public class EmulatorCountersTests
{
    private static readonly Random Rng = new(13);

    private static Tensor Rand(params int[] shape) => OpRunner.Random(Rng, shape);

    [Test]
    public void ACopyMovesExactlyItsCompulsoryBytes()
    {
        // 64 × 100 floats = 25600 bytes: 100 blocks of 256 one-byte threads, each reading and writing 8 whole sectors.
        var node = RunCounted(new SliceOp(0, 0, 64), Rand(64, 100)).Single();
        var launch = node.Work.Single();
        Assert.That((launch.Kind, launch.Name, launch.Blocks), Is.EqualTo((DeviceWorkKind.Kernel, "slice", 100L)));
        Assert.That((launch.ReadBytes, launch.WrittenBytes), Is.EqualTo((25600L, 25600L)));
        Assert.That(node.TrafficBytes, Is.EqualTo(node.CompulsoryBytes));
    }

    [Test]
    public void EachBlockReadsABroadcastOperandOnce()
    {
        // a [40, 64] + b [64]: 10 blocks of 256 threads, 4 rows each; every block reads all of b (8 sectors) once,
        // however many of its threads read each element.
        var node = RunCounted(new BinaryOp(BinaryKind.Add), Rand(40, 64), Rand(64)).Single();
        var launch = node.Work.Single();
        Assert.That(launch.Blocks, Is.EqualTo(10));
        Assert.That(launch.ReadBytes, Is.EqualTo(40 * 64 * 4 + 10 * 64 * 4));
        Assert.That(launch.WrittenBytes, Is.EqualTo(40 * 64 * 4));
        Assert.That(node.CompulsoryBytes, Is.EqualTo(2 * 40 * 64 * 4 + 64 * 4));
        Assert.That(node.TrafficBytes - node.CompulsoryBytes, Is.EqualTo(9 * 64 * 4), "b re-read by 9 other blocks");
    }

    [Test]
    public void SharedMemoryIsNotGlobalTraffic()
    {
        // layer_norm: one block per row of 96 floats, block sums through shared memory. Each block reads its row of
        // x, then of y (written in the first pass, read back in the next two), gamma and beta, and writes its row of y.
        var node = RunCounted(new LayerNormOp(1e-5f), Rand(3, 96), Rand(96), Rand(96)).Single();
        var launch = node.Work.Single();
        Assert.That((launch.Blocks, launch.ReadBytes, launch.WrittenBytes),
            Is.EqualTo((3L, 3 * 4 * 96 * 4L, 3 * 96 * 4L)));
    }

    [Test]
    public void GemmsCountTheirOperandsAndFlops()
    {
        var node = RunCounted(new LinearOp(), Rand(6, 10), Rand(7, 10)).Single();
        var gemm = node.Work.Single();
        Assert.That(gemm.Kind, Is.EqualTo(DeviceWorkKind.Gemm));
        Assert.That((gemm.ReadBytes, gemm.WrittenBytes, gemm.Flops),
            Is.EqualTo(((6 * 10 + 7 * 10) * 4L, 6 * 7 * 4L, 2L * 6 * 7 * 10)));
        Assert.That(node.Flops, Is.EqualTo(gemm.Flops));
        Assert.That(node.TrafficBytes, Is.EqualTo(node.CompulsoryBytes));
    }

    [Test]
    public void InstrumentedKernelsComputeWhatThePlainOnesDo()
    {
        var x = Rand(5, 33);
        var (gamma, beta) = (Rand(33), Rand(33));
        using var counted = CountingBackend();
        using var plain = new CudaBackend(new EmulatedDevice(EmulatedDevice.FindLibrary()));
        var a = OpRunner.Run(counted, new LayerNormOp(1e-5f), x, gamma, beta);
        var b = OpRunner.Run(plain, new LayerNormOp(1e-5f), x, gamma, beta);
        Assert.That(a.Span<float>().ToArray(), Is.EqualTo(b.Span<float>().ToArray()));
    }

    /// <summary>
    /// One node through the executor with node timing (which attributes the counted work), on a fresh counting backend.
    /// </summary>
    private static IReadOnlyList<NodeWork> RunCounted(Op op, params Tensor[] inputs)
    {
        using var backend = CountingBackend();
        var g = new ComputeGraph();
        var values = inputs.Select((t, i) => g.Input($"in{i}", t.DType, t.Shape)).ToArray();
        g.Tap("out", g.Add(op, "op", values));
        using var executor = new Executor(g, backend);
        var feeds = inputs.Select((t, i) => (Name: $"in{i}", t)).ToDictionary(p => p.Name, p => p.t);
        executor.Run(feeds, timeNodes: true).Outputs["out"].Dispose();
        return backend.Counters!.Nodes;
    }

    private static CudaBackend CountingBackend()
    {
        var library = EmulatedDevice.FindLibrary(
            EmulatedDevice.CountersLibraryName, EmulatedDevice.CountersLibraryVariable);
        if (library is null)
            Assert.Ignore("skipped: the instrumented emulation library is not built (tools/ci/build-kernels-emu.sh)");
        return new CudaBackend(new EmulatedDevice(library, counters: true));
    }
}
