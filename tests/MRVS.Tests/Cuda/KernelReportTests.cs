using MRVS.Backends.Cpu;
using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Emulation;
using MRVS.Backends.Cuda.Interop;
using MRVS.Backends.Cuda.Kernels;
using MRVS.Backends.Cuda.Parity;

namespace MRVS.Tests.Cuda;

/// <summary>
/// <c>mrvs kernels report</c>: ptxas's figures read from NVRTC's log, launch bounds read from the sources and checked
/// at launch, and theoretical occupancy by the CUDA occupancy calculator's rules.
/// </summary>
public class KernelReportTests
{
    [Test]
    public void ReportsAKernelWhoseResourcesAreKnown()
    {
        RequireNvrtc();
        var source = TestDevices.TestKernelSources["report_probe"];
        var options = KernelCompiler.Options(source, "sm_90", ptxasInfo: true);
        Nvrtc.Compile("report_probe.cu", source, KernelSources.Headers, options, cubin: true, out var log);
        var sm90 = GpuArchitecture.Of("sm_90");
        var entry = KernelReport.Entries("report_probe", source, log, TestDevices.TestKernelSignatures, sm90).Single();
        var r = entry.Resources;
        Assert.That(r.EntryPoint, Is.EqualTo("test_report_probe"));
        Assert.That(r.Target, Is.EqualTo("sm_90"));
        Assert.That(r.StaticSharedBytes, Is.EqualTo(4000), "__shared__ float tile[1000]");
        Assert.That(r.StackFrameBytes, Is.EqualTo(400), "float local[100] indexed at run time lives in local memory");
        Assert.That((r.SpillStoreBytes, r.SpillLoadBytes), Is.EqualTo((0, 0)));
        Assert.That(r.Registers, Is.InRange(1, 255));
        Assert.That(entry.Bound, Is.EqualTo(new LaunchBound(64, ShapeDependent: false)));
        Assert.That(entry.DynamicShared, Is.True, "takes dynamic shared memory, set at launch");
        Assert.That(entry.Occupancy, Is.EqualTo(sm90.Occupancy(64, r.Registers, 4000)));
    }

    [Test]
    public void ParsesPtxasInfoWithDeviceFunctionsAndConstantBanks()
    {
        const string log = """
            ptxas info    : 0 bytes gmem
            ptxas info    : Function properties for helper
            ptxas         .     24 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Compiling entry function 'wide' for 'sm_80'
            ptxas info    : Function properties for wide
            ptxas         .     112 bytes stack frame, 116 bytes spill stores, 132 bytes spill loads
            ptxas info    : Used 255 registers, 16400 bytes smem, 408 bytes cmem[0]
            ptxas info    : Compiling entry function 'plain' for 'sm_80'
            ptxas info    : Function properties for plain
            ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Used 18 registers
            """;
        Assert.That(KernelResources.Parse(log), Is.EqualTo(new[]
        {
            new KernelResources("wide", "sm_80", 255, 112, 116, 132, 16400, 408),
            new KernelResources("plain", "sm_80", 18, 0, 0, 0, 0, null),
        }));
    }

    // Expected values worked by hand with the CUDA occupancy calculator's rules (registers per warp rounded up to
    // 256 from four sub-partitions of 16 Ki, shared memory + 1 KiB reserved rounded up to 128 bytes).
    [TestCase("sm_90", 128, 255, 16400, 2, "registers", TestName = "255 registers: 8192 per warp, 2 per sub-partition")]
    [TestCase("sm_90", 128, 40, 0, 12, "registers", TestName = "40 registers: 1280 per warp, 12 per sub-partition")]
    [TestCase("sm_90", 256, 32, 0, 8, "warps", TestName = "32 registers and 256 threads fill the SM's 64 warps")]
    [TestCase("sm_90", 32, 16, 0, 32, "blocks", TestName = "single-warp blocks stop at 32 per SM")]
    [TestCase("sm_80", 64, 16, 48 * 1024, 3, "shared memory", TestName = "49 KiB per block of 164 KiB")]
    [TestCase("sm_86", 1024, 32, 0, 1, "warps", TestName = "1024 threads on a 48-warp SM")]
    [TestCase("sm_90", 1024, 255, 0, 0, "registers", TestName = "1024 threads of 255 registers exceed a block's 64 Ki")]
    public void OccupancyFollowsTheCalculator(string arch, int threads, int registers, int shared, int blocks,
        string limiter)
    {
        var limits = GpuArchitecture.Of(arch);
        var o = limits.Occupancy(threads, registers, shared);
        Assert.That((o.BlocksPerSm, o.Limiter), Is.EqualTo((blocks, limiter)));
        Assert.That(o.Fraction, Is.EqualTo((double)blocks * ((threads + 31) / 32) / limits.MaxWarpsPerSm));
    }

    [Test]
    public void ReportListsEveryEntryPointOfTheKernels()
    {
        RequireNvrtc();
        var entries = KernelReport.Build("sm_90");
        Assert.That(entries.Select(e => e.Resources.EntryPoint), Is.EquivalentTo(KernelSources.EntryPoints.Keys));
        KernelReportEntry Of(string entry) => entries.Single(e => e.Resources.EntryPoint == entry);
        Assert.That(Of("roberta_position_ids").Bound.ShapeDependent, Is.True);
        Assert.That(entries.Count(e => e.Bound.ShapeDependent), Is.EqualTo(1));
    }

    [Test]
    public void EveryKernelStatesItsBlockSize()
    {
        foreach (var entry in KernelSources.EntryPoints.Keys)
            Assert.That(KernelSignatures.Embedded.BoundOf(entry), Is.Not.Null, $"{entry}: no __launch_bounds__");
    }

    [Test]
    public void LaunchesBeyondTheBoundAreRefused()
    {
        var signatures = KernelSignatures.Embedded;
        Assert.DoesNotThrow(() => signatures.CheckBlock("layer_norm", new Dim3(128)));
        Assert.DoesNotThrow(() => signatures.CheckBlock("layer_norm", new Dim3(32)), "fewer threads launch on a GPU");
        Assert.That(Assert.Throws<ArgumentException>(() => signatures.CheckBlock("layer_norm", new Dim3(256)))!.Message,
            Does.Contain("layer_norm").And.Contain("__launch_bounds__ allows at most 128"));
        var tooMany = Assert.Throws<ArgumentException>(
            () => signatures.CheckBlock("roberta_position_ids", new Dim3(32, 33)));
        Assert.That(tooMany!.Message, Does.Contain("at most 1024"));
    }

    /// <summary>
    /// The report's block sizes are the launches': every parity case of every kernel runs on the emulation through a
    /// device that records the launches, each of which must use its kernel's bound (a shape-set one at most that).
    /// </summary>
    [Test]
    public void TheBackendLaunchesEveryKernelWithItsBound()
    {
        var library = EmulatedDevice.FindLibrary();
        if (library is null)
            Assert.Ignore($"skipped: {EmulatedDevice.LibraryName} not built (tools/ci/build-kernels-emu.sh)");
        var device = new CountingDevice(new EmulatedDevice(library));
        using var candidate = new CudaBackend(device);
        using var reference = new CpuBackend();
        foreach (var c in KernelParityCases.All) KernelParity.Check(c, reference, candidate);
        Assert.That(device.Launches.Select(l => l.Kernel).Distinct().Count(), Is.GreaterThan(30),
            "the cases launch the kernels");
        foreach (var (kernel, block) in device.Launches.Distinct())
        {
            var bound = KernelSignatures.Embedded.BoundOf(kernel)!;
            NUnit.Framework.Constraints.IResolveConstraint expected = bound.ShapeDependent
                ? Is.LessThanOrEqualTo(bound.Threads)
                : Is.EqualTo(bound.Threads);
            Assert.That(block.Volume, expected, $"{kernel}: launched with {block}, bound {bound}");
        }
    }

    private static void RequireNvrtc()
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc))
            Assert.Ignore("skipped: libnvrtc not found (tools/ci/install-nvrtc.sh installs it)");
    }
}
