using MRVS.Backends.Cuda;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The device copies of constants: weights stay for the backend's life, shared by its executors; the constants an
/// executor's graph passes made (folded values, the addends of Linears, stacked weights) go with the executor, so a
/// run over many shapes does not pile them up.
/// </summary>
public class DeviceConstantsTests
{
    [Test]
    public void AnExecutorsOwnConstantsLeaveTheDeviceWithIt()
    {
        var rng = new Random(3);
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 4, 8);
        var pos = g.Add(new UnaryOp(UnaryKind.Tanh), "pos", g.Constant("table", OpRunner.Random(rng, 4, 8)));
        var query = g.Add(new BinaryOp(BinaryKind.Add), "query", x, pos);
        Value Linear(string name, Value input) => g.Add(new LinearOp(), name, input,
            g.Constant($"{name}.w", OpRunner.Random(rng, 64, 8)), g.Constant($"{name}.b", OpRunner.Random(rng, 64)));
        g.Tap("q", Linear("q", query));
        g.Tap("v", Linear("v", x));
        var device = new CountingDevice(TestDevices.Create("cuda-emu"));
        using var backend = new CudaBackend(device);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OpRunner.Random(rng, 4, 8) };
        var live = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            using (var executor = new Executor(g, backend, ["q", "v"]))
            {
                executor.Run(feeds);
                executor.Run(feeds);
                Assert.That(executor.Rewrite.OwnedConstants.Count(), Is.EqualTo(4),
                    "q's folded addend, the group's stacked weights, biases and addends");
            }
            live.Add(device.Allocations - device.Frees);
        }
        Assert.That(live.Distinct(), Has.Exactly(1).Items, "device allocations left after each executor: " +
            string.Join(", ", live));
    }
}
