using System.Runtime.InteropServices;
using MRVS.Backends.Cuda.Emulation;
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
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc))
            Assert.Ignore("skipped: libnvrtc not found (tools/ci/install-nvrtc.sh installs it)");
        var compiled = KernelCompiler.CompileAll(arch);
        Assert.That(compiled.Select(k => k.Name), Is.EquivalentTo(KernelSources.Kernels.Keys));
        foreach (var k in compiled)
        {
            var ptx = System.Text.Encoding.ASCII.GetString(k.Image);
            Assert.That(ptx, Does.Contain($".entry {k.Name}"),
                $"{k.Name}: PTX has no entry point named after the file");
            Assert.That(ptx, Does.Contain($".target sm_{arch[8..]}"), $"{k.Name}: wrong target");
        }
    }

    [Test]
    public void KernelsAreEmbeddedWithTheirHeaderComment()
    {
        Assert.That(KernelSources.Headers.Keys, Does.Contain("mrvs_cuda.h"));
        foreach (var (name, source) in KernelSources.Kernels)
        {
            Assert.That(source.TrimStart(), Does.StartWith($"// {name}"),
                $"{name}.cu must start with what it computes");
            Assert.That(source, Does.Contain("Launch:"), $"{name}.cu must state its launch shape");
            Assert.That(source, Does.Match($@"MRVS_EXPORT_(INDEPENDENT_)?KERNEL\({name}"),
                $"{name}.cu must export its kernels to the emulation");
        }
    }

    [Test]
    public void CompileErrorsCarryTheKernelNameAndLog()
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc)) Assert.Ignore("skipped: libnvrtc not found");
        var e = Assert.Throws<KernelCompilationException>(() =>
            Nvrtc.Compile("broken.cu", Broken, KernelSources.Headers, KernelCompiler.Options(Broken, "compute_80")))!;
        Assert.That(e.Message, Does.Contain("broken.cu").And.Contain("undefined_symbol"));
    }

    private const string Broken = "extern \"C\" __global__ void broken() { undefined_symbol(); }";

    [TestCase("compute_80")]
    [TestCase("compute_90")]
    public void EveryEntryPointIsInThePtxOfTheFileDefiningIt(string arch)
    {
        RequireNvrtc();
        foreach (var (entry, file) in KernelSources.EntryPoints)
        {
            var ptx = System.Text.Encoding.ASCII.GetString(KernelCompiler.Compile(file, arch).Image);
            Assert.That(ptx, Does.Contain($".entry {entry}("), $"{file}.cu: PTX has no entry point {entry}");
        }
        Assert.That(KernelSources.FileDefining("sine_position_encoding_2d"), Is.EqualTo("sine_position_encoding"));
        Assert.That(KernelSources.FileDefining("conv2d_bias"), Is.EqualTo("conv2d"));
        Assert.Throws<ArgumentException>(() => KernelSources.FileDefining("no_such_kernel"));
    }

    [TestCase("sm_80")]
    [TestCase("sm_90")]
    public void EveryKernelCompilesToACubin(string arch)
    {
        RequireNvrtc();
        if (!Nvrtc.CanEmitCubin) Assert.Ignore("skipped: this libnvrtc has no nvrtcGetCUBIN");
        foreach (var k in KernelCompiler.CompileAll(arch))
        {
            Assert.That(k.IsCubin, k.Name);
            Assert.That(k.Image.Take(4), Is.EqualTo(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }),
                $"{k.Name}: a CUBIN is an ELF image");
        }
    }

    [Test]
    public void PtxEndsInTheNulTheDriverNeeds()
    {
        RequireNvrtc();
        var image = KernelCompiler.Compile("softmax", "compute_80").Image;
        Assert.That(image[^1], Is.Zero, "cuModuleLoadDataEx reads PTX as a NUL-terminated string");
        Assert.That(Array.IndexOf(image, (byte)0), Is.EqualTo(image.Length - 1));
    }

    [Test]
    public void TheTargetIsTheDevicesCubinOrPtxItCanRun()
    {
        int[] nvrtc = [75, 80, 86, 89, 90];
        Assert.That(KernelCompiler.TargetFor(90, nvrtc, canEmitCubin: true), Is.EqualTo("sm_90"));
        Assert.That(KernelCompiler.TargetFor(90, nvrtc, canEmitCubin: false), Is.EqualTo("compute_90"));
        Assert.That(KernelCompiler.TargetFor(120, nvrtc, canEmitCubin: true), Is.EqualTo("compute_90"),
            "a GPU newer than NVRTC runs PTX for the newest it knows");
        Assert.That(KernelCompiler.TargetFor(87, nvrtc, canEmitCubin: true), Is.EqualTo("compute_86"));
        Assert.That(Assert.Throws<NotSupportedException>(() =>
            KernelCompiler.TargetFor(61, nvrtc, canEmitCubin: true))!.Message,
            Does.Contain("sm_61").And.Contain("sm_75"));
    }

    [Test]
    public void NvrtcListsTheArchitecturesItCompilesFor()
    {
        RequireNvrtc();
        var supported = Nvrtc.GetSupportedArchitectures();
        Assert.That(supported, Does.Contain(80).And.Contain(90).And.Ordered);
        string target = KernelCompiler.TargetFor(90, supported, Nvrtc.CanEmitCubin);
        Assert.That(KernelCompiler.Compile("softmax", target).Target, Is.EqualTo(target), "an H100's target compiles");
    }

    [Test]
    public void TargetsOtherThanComputeOrSmAreRejected()
    {
        foreach (var target in new[] { "sm80", "compute_", "compute_8x", "80" })
            Assert.Throws<ArgumentException>(() => KernelCompiler.Options("", target), target);
    }

    [Test]
    public void EveryEntryPointIsExportedToTheEmulation()
    {
        var path = EmulatedDevice.FindLibrary();
        if (path is null)
            Assert.Ignore("skipped: the kernel emulation library is not built (tools/ci/build-kernels-emu.sh)");
        var library = NativeLibrary.Load(path);
        try
        {
            foreach (var (entry, file) in KernelSources.EntryPoints)
            {
                Assert.That(KernelSources.Kernels[file], Does.Match($@"MRVS_EXPORT_(INDEPENDENT_)?KERNEL\({entry}\)"),
                    $"{file}.cu must export {entry}");
                Assert.That(NativeLibrary.TryGetExport(library, $"mrvs_emu_{entry}", out _),
                    $"{path} lacks {entry} (rebuild it)");
            }
        }
        finally
        {
            NativeLibrary.Free(library);
        }
    }

    [Test]
    public void FastMathOnlyWhenTheKernelOptsIn()
    {
        const string body = "\nextern \"C\" __global__ void e(float* x) { x[0] = expf(x[0]) / x[1]; }\n";
        string plain = "// e: exp\n" + body, fast = $"// e: exp\n{KernelCompiler.FastMathMarker}\n" + body;
        Assert.That(KernelCompiler.Options(plain, "compute_80"), Does.Not.Contain("--use_fast_math"));
        Assert.That(KernelCompiler.Options(fast, "compute_80"), Does.Contain("--use_fast_math"));
        foreach (var (name, source) in KernelSources.Kernels)
            Assert.That(KernelCompiler.Options(source, "compute_80"), Does.Not.Contain("--use_fast_math"),
                $"{name}.cu opts into fast math");
        RequireNvrtc();
        string Ptx(string source) => System.Text.Encoding.ASCII.GetString(Nvrtc.Compile("e.cu", source,
            KernelSources.Headers, KernelCompiler.Options(source, "compute_80")));
        Assert.That(Ptx(plain), Does.Contain("div.rn.f32"), "IEEE division");
        Assert.That(Ptx(fast), Does.Not.Contain("div.rn.f32").And.Contain(".ftz.f32"),
            "approximate division, denormals flushed");
    }

    [TestCase("compute_70")]
    [TestCase("compute_80")]
    [TestCase("compute_90")]
    public void TestKernelsCompileWithNvrtc(string arch)
    {
        RequireNvrtc();
        Assert.That(TestDevices.TestKernelSources.Keys,
            Is.EquivalentTo(new[]
            {
                "emulation_semantics", "half_conversion", "mma", "online_softmax", "report_probe",
            }));
        foreach (var (name, source) in TestDevices.TestKernelSources)
        {
            var ptx = System.Text.Encoding.ASCII.GetString(Nvrtc.Compile($"{name}.cu", source, KernelSources.Headers,
                KernelCompiler.Options(source, arch)));
            foreach (var entry in KernelSources.EntryPointsOf(source))
                Assert.That(ptx, Does.Contain($".entry {entry}("), $"{name}.cu for {arch}");
        }
    }

    private static void RequireNvrtc()
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc))
            Assert.Ignore("skipped: libnvrtc not found (tools/ci/install-nvrtc.sh installs it)");
    }
}
