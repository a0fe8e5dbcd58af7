using MRVS.Backends.Cpu;
using MRVS.Backends.Cuda;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The executor on a backend that captures (the CUDA backend, emulated): the second run records the schedule, later
/// runs replay it without dispatching nodes, and outputs produced early in the schedule survive to be copied out.
/// Per-node timing uses the device's events.
/// </summary>
public class ExecutorReplayTests
{
    private static readonly Random Rng = new(404);

    /// <summary>A chain whose first output would be overwritten by later nodes if the planner reused its
    /// memory.</summary>
    private static ComputeGraph Chain()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 6, 40);
        var early = g.Add(new LinearOp(Activation.Gelu), "early", x, g.Constant("w", OpRunner.Random(Rng, 40, 40)),
            g.Constant("b", OpRunner.Random(Rng, 40)));
        Value v = g.Add(new UnaryOp(UnaryKind.Tanh), "t0", early);
        for (int i = 1; i < 6; i++)
            v = g.Add(new BinaryOp(BinaryKind.Mul), $"m{i}", g.Add(new UnaryOp(UnaryKind.Tanh), $"t{i}", v),
                g.Add(new SoftmaxOp(), $"s{i}", v));
        g.Tap("early", early);
        g.Tap("late", g.Add(new ReshapeOp(240), "flat", v));
        return g;
    }

    private static Dictionary<string, Tensor> Feed() => new() { ["x"] = OpRunner.Random(Rng, 6, 40) };

    private static CountingBackend Emulated() => new(new CudaBackend(TestDevices.Create("cuda-emu")));

    [Test]
    public void LaterRunsReplayTheCapturedScheduleWithoutDispatchingNodes()
    {
        var g = Chain();
        using var backend = Emulated();
        using var ex = new Executor(g, backend);
        int nodes = ex.Plan.Schedule.Count(n => !n.Op.IsView);
        var feed = Feed();

        var first = ex.Run(feed).Outputs;
        Assert.That(backend.Executions, Is.EqualTo(nodes));
        var second = ex.Run(feed).Outputs;
        Assert.That(backend.Executions, Is.EqualTo(2 * nodes), "the second run dispatches once more, into the capture");
        foreach (var name in new[] { "early", "late" })
            Assert.That(second[name].Bytes.SequenceEqual(first[name].Bytes), $"{name}: a replay is bit-identical");

        var other = Feed();
        var third = ex.Run(other).Outputs;
        Assert.That(backend.Executions, Is.EqualTo(2 * nodes), "a replay dispatches no node");
        using var cpu = new Executor(g, new CpuBackend());
        var reference = cpu.Run(other).Outputs;
        foreach (var name in new[] { "early", "late" })
            TensorAssert.Close(third[name], reference[name], name, relativeToScale: 1e-5);
        Assert.That(TensorAssert.MaxAbsDiff(third["early"], first["early"]), Is.GreaterThan(0),
            "the replay read the new input");
    }

    [Test]
    public void TimedRunsDispatchEveryNodeWithDeviceEventsAndLeaveTheReplayIntact()
    {
        var g = Chain();
        using var backend = Emulated();
        using var ex = new Executor(g, backend);
        int nodes = ex.Plan.Schedule.Count(n => !n.Op.IsView);
        var feed = Feed();
        ex.Run(feed);
        var replayed = ex.Run(feed).Outputs;
        var timed = ex.Run(feed, timeNodes: true);
        Assert.That(backend.Executions, Is.EqualTo(3 * nodes));
        Assert.That(timed.Timings.Select(t => t.Node), Is.EqualTo(ex.Plan.Schedule.Where(n => !n.Op.IsView)
            .Select(n => n.Name)));
        Assert.That(timed.Timings.Select(t => t.Milliseconds), Is.All.GreaterThanOrEqualTo(0));
        Assert.That(timed.Outputs["late"].Bytes.SequenceEqual(replayed["late"].Bytes));
        ex.Run(feed);
        Assert.That(backend.Executions, Is.EqualTo(3 * nodes), "the captured graph is still replayed");
    }

    [Test]
    public void BackendsTimeNodesWithTheirBestClock()
    {
        using var cuda = new CudaBackend(TestDevices.Create("cuda-emu"));
        using var cpu = new CpuBackend();
        using (var t = ((IBackend)cpu).CreateNodeTimer()) Assert.That(t, Is.InstanceOf<StopwatchNodeTimer>());
        using (var t = cuda.CreateNodeTimer()) Assert.That(t, Is.Not.InstanceOf<StopwatchNodeTimer>(), "device events");
        Assert.That(((IBackend)cpu).CanCapture, Is.False);
    }

    [Test]
    public void BackendsThatCannotCaptureDispatchEveryRun()
    {
        using var backend = new CountingBackend(new CpuBackend());
        using var ex = new Executor(Chain(), backend);
        int nodes = ex.Plan.Schedule.Count(n => !n.Op.IsView);
        var feed = Feed();
        var first = ex.Run(feed).Outputs;
        var second = ex.Run(feed).Outputs;
        Assert.That(backend.Executions, Is.EqualTo(2 * nodes));
        Assert.That(second["early"].Bytes.SequenceEqual(first["early"].Bytes));
    }

    [Test]
    public void TheEmulationRefusesWhatCudaForbidsWhileCapturing()
    {
        using var device = TestDevices.Create("cuda-emu");
        var e = Assert.Throws<InvalidOperationException>(() => device.Capture(() => device.Allocate(64)))!;
        Assert.That(e.Message, Does.Contain("allocating").And.Contain("capturing"));
        e = Assert.Throws<InvalidOperationException>(() => device.Capture(device.Synchronize))!;
        Assert.That(e.Message, Does.Contain("synchronising"));
        var p = device.Allocate(64);
        device.Free(p);
    }
}
