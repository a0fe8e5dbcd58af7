using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Tests.Support;

/// <summary>
/// Builds a module graph whose inputs are a fixture's intermediate tensors, runs it on the CPU backend and
/// compares every tap that the fixture also holds.
/// </summary>
public sealed class FixtureGraph : IDisposable
{
    private readonly SafeTensorsFile _weights;
    private readonly Dictionary<string, Tensor> _feeds = [];

    public SafeTensorsFile Outputs { get; }
    public SafeTensorsFile Inputs { get; }
    public GraphBuilder Builder { get; }

    public FixtureGraph(string fixture)
    {
        _weights = SafeTensorsFile.Open(Fixtures.File(fixture, "weights.safetensors"));
        Outputs = SafeTensorsFile.Open(Fixtures.File(fixture, "outputs.safetensors"));
        Inputs = SafeTensorsFile.Open(Fixtures.File(fixture, "inputs.safetensors"));
        Builder = new GraphBuilder(ModelConfig.Load(Fixtures.File(fixture, "config.json")), new WeightStore(_weights));
    }

    /// <summary>A graph input fed with the fixture tensor <paramref name="name"/> (from outputs or inputs), optionally
    /// viewed with another shape.</summary>
    public Value Feed(string name, params int[] viewShape)
    {
        var t = Outputs.Contains(name) ? Outputs.Get(name) : Inputs.Get(name);
        var v = Builder.Graph.Inputs.TryGetValue(name, out var existing) ? existing : Builder.Graph.Input(name, t.DType,
            t.Shape);
        _feeds[name] = t;
        return viewShape.Length == 0 ? v : Builder.Reshape(v, Builder.Name(name), viewShape);
    }

    /// <summary>Runs every tap the fixture holds and compares it; returns the names compared.</summary>
    public IReadOnlyList<string> RunAndCompare()
    {
        Assert.That(Builder.Weights.BindingProblems, Is.Empty, "weight binding");
        var names = Builder.Graph.TapNames.Where(Outputs.Contains).ToList();
        Assert.That(names, Is.Not.Empty, "no tap of this graph is in the fixture");
        using var ex = new Executor(Builder.Graph, new CpuBackend(), names);
        var result = ex.Run(_feeds).Outputs;
        foreach (var n in names)
        {
            using var expected = Outputs.Get(n);
            if (expected.DType.IsFloat()) TensorAssert.Close(result[n], expected, n);
            else TensorAssert.Equal(result[n], expected, n);
        }
        return names;
    }

    public void Dispose()
    {
        Outputs.Dispose();
        Inputs.Dispose();
        _weights.Dispose();
    }
}
