using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Tests.Graph;

public class MemoryPlannerTests
{
    /// <summary>A chain with skip connections and a view, so lifetimes overlap in several ways.</summary>
    private static (ComputeGraph g, Value[] outs) BuildGraph()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 4, 8);
        var a = g.Add(new UnaryOp(UnaryKind.Relu), "a", x);
        var b = g.Add(new UnaryOp(UnaryKind.Affine, 2f, 1f), "b", a);
        var bv = g.Add(new ReshapeOp(32), "b_view", b);
        var c = g.Add(new UnaryOp(UnaryKind.Tanh), "c", b);
        var d = g.Add(new BinaryOp(BinaryKind.Add), "d", a, c);
        var e = g.Add(new UnaryOp(UnaryKind.Sigmoid), "e", bv);
        var f = g.Add(new ReshapeOp(4, 8), "f", e);
        var h = g.Add(new BinaryOp(BinaryKind.Mul), "h", d, f);
        g.Tap("h", h);
        g.Tap("c", c);
        return (g, [h, c]);
    }

    [Test]
    public void NoNodeWritesOverItsInputs()
    {
        var (g, outs) = BuildGraph();
        var plan = MemoryPlanner.Plan(g, outs);
        Assert.DoesNotThrow(() => MemoryPlanner.CheckNoAliasing(plan.Schedule, plan.Buffers));
        foreach (var n in plan.Schedule.Where(n => !n.Op.IsView))
        {
            var output = plan.Buffers[MemoryPlanner.Root(n.Output)];
            foreach (var input in n.Inputs.Select(MemoryPlanner.Root).Where(plan.Buffers.ContainsKey))
            {
                var read = plan.Buffers[input];
                bool overlap = read.Offset < output.Offset + output.Bytes && output.Offset < read.Offset + read.Bytes;
                Assert.That(overlap, Is.False, $"{n.Name} over {input.Name}");
            }
        }
    }

    [Test]
    public void APlanThatRunsANodeInPlaceIsRefused()
    {
        // The planner never does this; the check stands guard for the kernels' __restrict__ pointers.
        var (g, outs) = BuildGraph();
        var plan = MemoryPlanner.Plan(g, outs);
        var c = plan.Schedule.Single(n => n.Name == "c");
        var b = MemoryPlanner.Root(c.Inputs[0]);
        var inPlace = plan.Buffers.ToDictionary(kv => kv.Key,
            kv => kv.Key == c.Output ? kv.Value with { Offset = plan.Buffers[b].Offset } : kv.Value);
        var e = Assert.Throws<InvalidOperationException>(() => MemoryPlanner.CheckNoAliasing(plan.Schedule, inPlace))!;
        Assert.That(e.Message, Does.Contain("c's output").And.Contain("input b").And.Contain("__restrict__"));
    }

    [Test]
    public void LiveBuffersNeverOverlap()
    {
        var (g, outs) = BuildGraph();
        var plan = MemoryPlanner.Plan(g, outs);
        var buffers = plan.Buffers.Values.ToList();
        Assert.That(buffers, Is.Not.Empty);
        foreach (var p in buffers)
            foreach (var q in buffers)
            {
                if (ReferenceEquals(p.Value, q.Value)) continue;
                bool liveTogether = p.First <= q.Last && q.First <= p.Last;
                bool memOverlap = p.Offset < q.Offset + q.Bytes && q.Offset < p.Offset + p.Bytes;
                Assert.That(liveTogether && memOverlap, Is.False,
                    $"{p.Value.Name} and {q.Value.Name} overlap while both live");
            }
        Assert.That(plan.ArenaBytes, Is.EqualTo(buffers.Max(p => p.Offset + p.Bytes)));
    }

    [Test]
    public void ViewsKeepTheirRootAliveUntilTheLastReader()
    {
        var (g, outs) = BuildGraph();
        var plan = MemoryPlanner.Plan(g, outs);
        var b = plan.Buffers.Keys.Single(v => v.Name == "b");
        var e = plan.Schedule.Single(n => n.Name == "e");
        Assert.That(plan.Buffers[b].Last, Is.GreaterThanOrEqualTo(plan.Schedule.ToList().IndexOf(e)));
    }

    [Test]
    public void ArenaIsSmallerThanTheSumOfBuffersWhenLifetimesEnd()
    {
        var g = new ComputeGraph();
        Value v = g.Input("x", DType.F32, 1024);
        for (int i = 0; i < 10; i++) v = g.Add(new UnaryOp(UnaryKind.Relu), $"r{i}", v);
        g.Tap("out", v);
        var plan = MemoryPlanner.Plan(g, [v]);
        Assert.That(plan.ArenaBytes, Is.LessThanOrEqualTo(2 * 4096));
    }

    /// <summary>A value the backend keeps a copy of (IBackend.StoredCopies) holds it in its own buffer, after the value
    /// at CopyOffset: the buffer grows by the copy, aligned, and nothing else is placed over it.</summary>
    [Test]
    public void ACopyLivesInItsValuesBufferAfterTheValue()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 1000);
        var copied = g.Add(new UnaryOp(UnaryKind.Relu), "copied", x);
        var other = g.Add(new UnaryOp(UnaryKind.Relu), "other", x);
        var sum = g.Add(new BinaryOp(BinaryKind.Add), "sum", copied, other);
        g.Tap("sum", sum);
        var plain = MemoryPlanner.Plan(g, [sum]);
        var plan = MemoryPlanner.Plan(g, [sum], copies: new Dictionary<Value, DType> { [copied] = DType.BF16 });
        Assert.That(MemoryPlanner.CopyOffset(copied), Is.EqualTo(4096));
        Assert.That(plan.Buffers[copied].Bytes, Is.EqualTo(4096 + 2048));
        Assert.That(plan.Buffers[other].Bytes, Is.EqualTo(plain.Buffers[other].Bytes));
        var (a, b) = (plan.Buffers[copied], plan.Buffers[other]);
        Assert.That(a.Offset + a.Bytes <= b.Offset || b.Offset + b.Bytes <= a.Offset, "live together, apart");
    }

    [Test]
    public void KeptOutputsLiveToTheEndAndNothingIsPlacedOverThem()
    {
        var g = new ComputeGraph();
        Value v = g.Input("x", DType.F32, 1024);
        var early = v = g.Add(new UnaryOp(UnaryKind.Relu), "r0", v);
        for (int i = 1; i < 10; i++) v = g.Add(new UnaryOp(UnaryKind.Relu), $"r{i}", v);
        var reused = MemoryPlanner.Plan(g, [early, v]);
        var kept = MemoryPlanner.Plan(g, [early, v], keepOutputs: true);
        Assert.That(reused.Buffers[early].Last, Is.EqualTo(1), "without keeping, r0 dies at its last reader");
        Assert.That(kept.Buffers[early].Last, Is.EqualTo(kept.Schedule.Count));
        var k = kept.Buffers[early];
        foreach (var p in kept.Buffers.Values.Where(p => p.First >= k.First && p.Value != early))
            Assert.That(p.Offset >= k.Offset + k.Bytes || k.Offset >= p.Offset + p.Bytes,
                $"{p.Value.Name} is placed over the kept r0");
        Assert.That(kept.ArenaBytes, Is.GreaterThan(reused.ArenaBytes));
    }

    [Test]
    public void UnrequestedBranchesArePruned()
    {
        var (g, _) = BuildGraph();
        var c = g.Taps["c"];
        var plan = MemoryPlanner.Plan(g, [c]);
        Assert.That(plan.Schedule.Select(n => n.Name), Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [Test]
    public void ExecutorComputesThroughThePlannedArena()
    {
        var (g, _) = BuildGraph();
        var x = OpRunnerData();
        using var ex = new Executor(g, new CpuBackend());
        var r = ex.Run(new Dictionary<string, Tensor> { ["x"] = x });
        var xs = x.Span<float>().ToArray();
        var h = r.Outputs["h"].Span<float>().ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            double a = Math.Max(xs[i], 0), b = 2 * a + 1, c = Math.Tanh(b), e = 1 / (1 + Math.Exp(-b));
            Assert.That(h[i], Is.EqualTo((a + c) * e).Within(1e-6));
        }
        Assert.That(ex.Plan.ArenaBytes, Is.GreaterThan(0));
    }

    [Test]
    public void ShapeErrorsNameTheNode()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 3, 80);
        var w = g.Input("w", DType.F32, 16, 96);
        var e = Assert.Throws<ShapeException>(() => g.Add(new LinearOp(), "voc.enc_ffn.0.linear1", x, w))!;
        Assert.That(e.Message, Does.StartWith("voc.enc_ffn.0.linear1: ").And.Contain("80").And.Contain("96"));
    }

    private static Tensor OpRunnerData()
    {
        var rng = new Random(3);
        return Support.OpRunner.Random(rng, 4, 8);
    }
}
