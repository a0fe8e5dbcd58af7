using System.Text.RegularExpressions;
using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Interop;
using MRVS.Backends.Cuda.Kernels;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The kernels' parameter lists read from their sources, which every launch is checked against: they agree with the
/// parameters NVRTC itself emits, and mismatched arguments (which a GPU would read as stray bytes) are refused.
/// </summary>
public partial class KernelSignaturesTests
{
    [Test]
    public void EveryEntryPointHasASignature()
    {
        Assert.That(KernelSignatures.Embedded.Kernels, Is.EquivalentTo(KernelSources.EntryPoints.Keys));
        foreach (var kernel in KernelSignatures.Embedded.Kernels)
            Assert.That(KernelSignatures.Embedded.Of(kernel), Is.Not.Empty, kernel);
    }

    [TestCase("compute_80")]
    [TestCase("compute_90")]
    public void SignaturesAgreeWithTheParametersNvrtcEmits(string target)
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc))
            Assert.Ignore("skipped: libnvrtc not found (tools/ci/install-nvrtc.sh installs it)");
        foreach (var file in KernelSources.Kernels.Keys)
        {
            var ptx = System.Text.Encoding.ASCII.GetString(KernelCompiler.Compile(file, target).Image);
            foreach (var kernel in KernelSources.EntryPointsOf(KernelSources.Kernels[file]))
            {
                var emitted = PtxParameters(ptx, kernel);
                var parsed = KernelSignatures.Embedded.Of(kernel);
                Assert.That(parsed.Select(p => p.Passing.Size), Is.EqualTo(emitted.Select(p => p.Size)),
                    $"{kernel}: parameter sizes");
                for (int i = 0; i < parsed.Count; i++)
                    Assert.That(parsed[i].Passing.Kind == KernelArgumentKind.Floating, Is.EqualTo(emitted[i].Floating),
                        $"{kernel}: parameter {parsed[i].Name}");
            }
        }
    }

    [Test]
    public void StructsAreLaidOutByCsRules()
    {
        const string source = """
            struct inner { char c; double d; int i[3]; };
            struct outer { unsigned int x = 1, y = 1; inner n; short s; };
            extern "C" __global__ void k(const inner* __restrict__ p, inner a, outer b, unsigned char u, long long l,
                float f)
            """;
        var parameters = new KernelSignatures([source], []).Of("k");
        Assert.That(parameters.Select(p => p.Passing), Is.EqualTo(new KernelArgument[]
        {
            new(8, KernelArgumentKind.Pointer), new(32, KernelArgumentKind.Aggregate),
                new(48, KernelArgumentKind.Aggregate),
            new(1, KernelArgumentKind.Integer), new(8, KernelArgumentKind.Integer), new(4, KernelArgumentKind.Floating),
        }));
        Assert.That(parameters.Select(p => p.Name), Is.EqualTo(new[] { "p", "a", "b", "u", "l", "f" }));
    }

    [Test]
    public void AParameterOfUnknownTypeIsAnError()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            new KernelSignatures(["extern \"C\" __global__ void k(mystery m) {}"], []))!;
        Assert.That(e.Message, Does.Contain("mystery").And.Contain("kernel k"));
    }

    [Test]
    public void MismatchedArgumentsAreRefusedNamingTheParameter()
    {
        // unary(const float* x, float* y, long long count, int kind, float alpha, float beta)
        var signatures = KernelSignatures.Embedded;
        void Check(Action<KernelArgs> fill)
        {
            using var args = new KernelArgs();
            fill(args);
            signatures.Check("unary", args);
        }
        Check(a => a.Ptr(1).Ptr(2).Add(3L).Add(0).Add(1f).Add(2f));
        Assert.That(Assert.Throws<ArgumentException>(() => Check(a => a.Ptr(1).Ptr(2).Add(3).Add(0).Add(1f)
            .Add(2f)))!.Message,
            Does.Contain("unary").And.Contain("argument 2 (long long count)").And.Contain("integer of 4 bytes"));
        Assert.That(Assert.Throws<ArgumentException>(() => Check(a => a.Ptr(1).Ptr(2).Add(3L).Add(0).Add(1.0)
            .Add(2f)))!.Message,
            Does.Contain("float alpha").And.Contain("floating of 8 bytes"));
        Assert.That(Assert.Throws<ArgumentException>(() => Check(a => a.Add(0L).Ptr(2).Add(3L).Add(0).Add(1f)
            .Add(2f)))!.Message,
            Does.Contain("(float * x)").And.Contain("pointer of 8 bytes"));
        Assert.That(Assert.Throws<ArgumentException>(() => Check(a => a.Ptr(1).Ptr(2).Add(3L).Add(0).Add(1f)))!.Message,
            Does.Contain("with 5 arguments").And.Contain("takes 6"));
        Assert.Throws<ArgumentException>(() => signatures.Of("no_such_kernel"));
    }

    private static List<(int Size, bool Floating)> PtxParameters(string ptx, string kernel)
    {
        var entry = Regex.Match(ptx, $@"\.entry\s+{kernel}\s*\(([^)]*)\)");
        Assert.That(entry.Success, $"{kernel}: no .entry in the PTX");
        return [.. PtxParameter().Matches(entry.Groups[1].Value).Select(m => m.Groups[3].Success
            ? (int.Parse(m.Groups[3].Value), false)
            : (int.Parse(m.Groups[2].Value) / 8, m.Groups[1].Value == "f"))];
    }

    // ".param .u64 k_param_0", ".param .f32 k_param_1" or ".param .align 8 .b8 k_param_2[128]".
    [GeneratedRegex(@"\.param\s+(?:\.(u|s|f|b)(\d+)\s+\w+|\.align\s+\d+\s+\.b8\s+\w+\[(\d+)\])")]
    private static partial Regex PtxParameter();
}
