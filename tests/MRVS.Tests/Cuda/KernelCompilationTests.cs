using MRVS.Backends.Cuda.Interop;
using MRVS.Backends.Cuda.Kernels;

namespace MRVS.Tests.Cuda;

/// <summary>Every kernel compiles with NVRTC (no GPU needed) for the architectures the product targets.</summary>
public class KernelCompilationTests
{
    [TestCase("compute_80")]
    [TestCase("compute_90")]
    public void EveryKernelCompilesToPtx(string arch)
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc)) Assert.Ignore("skipped: libnvrtc not found (tools/ci/install-nvrtc.sh installs it)");
        var compiled = KernelCompiler.CompileAll(arch);
        Assert.That(compiled.Select(k => k.Name), Is.EquivalentTo(KernelSources.Kernels.Keys));
        foreach (var k in compiled)
        {
            var ptx = System.Text.Encoding.ASCII.GetString(k.Ptx);
            Assert.That(ptx, Does.Contain($".entry {k.Name}"), $"{k.Name}: PTX has no entry point named after the file");
            Assert.That(ptx, Does.Contain($".target sm_{arch[8..]}"), $"{k.Name}: wrong target");
        }
    }

    [Test]
    public void KernelsAreEmbeddedWithTheirHeaderComment()
    {
        Assert.That(KernelSources.Headers.Keys, Does.Contain("mrvs_cuda.h"));
        foreach (var (name, source) in KernelSources.Kernels)
        {
            Assert.That(source.TrimStart(), Does.StartWith($"// {name}"), $"{name}.cu must start with what it computes");
            Assert.That(source, Does.Contain("Launch:"), $"{name}.cu must state its launch shape");
            Assert.That(source, Does.Match($@"MRVS_EXPORT_(INDEPENDENT_)?KERNEL\({name}"), $"{name}.cu must export its kernels to the emulation");
        }
    }

    [Test]
    public void CompileErrorsCarryTheKernelNameAndLog()
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc)) Assert.Ignore("skipped: libnvrtc not found");
        var e = Assert.Throws<KernelCompilationException>(() =>
            Nvrtc.CompileToPtx("broken.cu", "extern \"C\" __global__ void broken() { undefined_symbol(); }", KernelSources.Headers, KernelCompiler.Options("compute_80")))!;
        Assert.That(e.Message, Does.Contain("broken.cu").And.Contain("undefined_symbol"));
    }
}
