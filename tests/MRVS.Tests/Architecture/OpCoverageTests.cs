using System.Runtime.CompilerServices;
using MRVS.Backends.Cpu;
using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Parity;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Tests.Support;

namespace MRVS.Tests.Architecture;

/// <summary>
/// Every op kind has what the README's "Adding an op" lists: a CPU kernel, a CUDA launch and parity cases, named after
/// its <see cref="Op.Kind"/>. The check itself is shown to fail on ops defined here that lack them.
/// </summary>
public class OpCoverageTests
{
    /// <summary>Every op kind of the engine: the concrete <see cref="Op"/> types of Core.</summary>
    private static IEnumerable<Type> EngineOps => typeof(Op).Assembly.GetTypes().Where(IsOpType);

    private static bool IsOpType(Type t) => t.IsSubclassOf(typeof(Op)) && !t.IsAbstract;

    /// <summary>An instance to ask for Kind and IsView (constants of the type), made without its constructor.</summary>
    private static Op Instance(Type opType) => (Op)RuntimeHelpers.GetUninitializedObject(opType);

    /// <summary>What each non-view op kind lacks: "kind: no CPU kernel, no CUDA launch, no parity case"; nothing when
    /// complete.</summary>
    public static IEnumerable<string> Gaps(IEnumerable<Type> opTypes, Func<Op, bool> cpu, Func<Op, bool> cuda,
        Func<Type, bool> parity)
    {
        foreach (var type in opTypes.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var op = Instance(type);
            if (op.IsView) continue;
            var missing = new List<string>();
            if (!cpu(op)) missing.Add("no CPU kernel");
            if (!cuda(op)) missing.Add("no CUDA launch");
            if (!parity(type)) missing.Add("no parity case");
            if (missing.Count > 0) yield return $"{op.Kind}: {string.Join(", ", missing)}";
        }
    }

    private static IEnumerable<string> EngineGaps(IEnumerable<Type> opTypes)
    {
        var parity = KernelParityCases.All.Select(c => c.OpType).ToHashSet();
        using var cpu = new CpuBackend();
        return Gaps(opTypes, cpu.Supports, KernelLaunches.Supports, parity.Contains).ToList();
    }

    [Test]
    public void EveryOpKindHasACpuKernelACudaLaunchAndAParityCase() =>
        Assert.That(EngineGaps(EngineOps), Is.Empty);

    [Test]
    public void AnOpLackingThemIsNamedWithWhatItLacks()
    {
        Assert.That(EngineGaps([typeof(HypotheticalOp), typeof(ReshapeOp)]),
            Is.EqualTo(new[] { "hypothetical: no CPU kernel, no CUDA launch, no parity case" }),
                "a view op needs no kernel");
        Assert.That(Gaps([typeof(LayerNormOp)], _ => true, _ => true, _ => false),
            Is.EqualTo(new[] { "layer_norm: no parity case" }));
        Assert.That(Gaps([typeof(LayerNormOp)], _ => true, _ => false, _ => true),
            Is.EqualTo(new[] { "layer_norm: no CUDA launch" }));
    }

    /// <summary>The kernel classes say which op they serve by name: Ops/LayerNorm.cs in both backends for
    /// layer_norm.</summary>
    [Test]
    public void KernelClassesAreNamedAfterTheirOpKind()
    {
        var classes = typeof(CpuBackend).Assembly.GetTypes().Concat(typeof(CudaBackend).Assembly.GetTypes())
            .Where(t => !t.IsAbstract && t.BaseType is { IsGenericType: true } b
                        && (b.GetGenericTypeDefinition() == typeof(CpuKernel<>)
                            || b.GetGenericTypeDefinition() == typeof(CudaKernel<>)));
        var misnamed = classes
            .Select(t => (Class: t.FullName!, Kind: Instance(t.BaseType!.GetGenericArguments()[0]).Kind))
            .Where(c => !string.Equals(c.Class.Split('.')[^1], c.Kind.Replace("_", ""),
                StringComparison.OrdinalIgnoreCase))
            .Select(c => $"{c.Class} serves {c.Kind}");
        Assert.That(misnamed, Is.Empty);
    }

    /// <summary>kernels/KIND.cu for every op kind except those without a kernel of their own (a GEMM, or another op's
    /// kernel); no other file.</summary>
    [Test]
    public void KernelFilesAreNamedAfterTheirOpKind()
    {
        string[] withoutKernelFile = ["matmul", "feed_forward", "grouped_linear"];
        var kinds = EngineOps.Select(Instance).Where(op => !op.IsView).Select(op => op.Kind).ToHashSet();
        var files = Directory.GetFiles(Path.Combine(Fixtures.RepoRoot, "kernels"),
            "*.cu").Select(Path.GetFileNameWithoutExtension).ToHashSet();
        Assert.That(files.Except(kinds), Is.Empty, "kernel files that no op kind names");
        Assert.That(kinds.Except(files).Order(), Is.EqualTo(withoutKernelFile.Order()),
            "op kinds without a kernel file");
    }

    private sealed class HypotheticalOp : Op
    {
        public override string Kind => "hypothetical";
        public override TensorType Infer(IReadOnlyList<TensorType> inputs) => inputs[0];
    }
}
