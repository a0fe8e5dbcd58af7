using MRVS.Backends.Cuda.Devices;
using MRVS.Backends.Cuda.Emulation;
using MRVS.Backends.Cuda.Interop;
using MRVS.Backends.Cuda.Kernels;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The devices the GPU-path tests run on: "cuda-emu" (skipped when the emulation library is not built) and "cuda"
/// (skipped without a GPU), plus the emulated test-only kernels of Cuda/kernels and their sources.
/// </summary>
internal static class TestDevices
{
    public const string TestKernelsLibrary = "libmrvs_test_kernels_emu.so",
        TestKernelsVariable = "MRVS_TEST_KERNELS_EMU";

    public static IGpuDevice Create(string kind) => kind switch
    {
        "cuda-emu" => Emulated(EmulatedDevice.FindLibrary()),
        "cuda" => Gpu(),
        _ => throw new ArgumentException($"unknown device kind '{kind}'"),
    };

    /// <summary>The emulated device running tests/MRVS.Tests/Cuda/kernels/*.cu.</summary>
    public static IGpuDevice TestKernels() => Emulated(EmulatedDevice.FindLibrary(TestKernelsLibrary,
        TestKernelsVariable), TestKernelSignatures);

    /// <summary>Test kernel file name (without .cu) → source.</summary>
    public static IReadOnlyDictionary<string, string> TestKernelSources { get; } = LoadTestKernelSources();

    /// <summary>The parameter lists of the test kernels, which their launches are checked against (after
    /// TestKernelSources: static initialisers run in textual order).</summary>
    public static KernelSignatures TestKernelSignatures { get; } =
        new(TestKernelSources.Values, KernelSources.Headers.Values);

    /// <summary>Launches a kernel with arguments appended by <paramref name="fill"/> and waits for it.</summary>
    public static void LaunchAndWait(this IGpuDevice device, string kernel, Dim3 grid, Dim3 block, int sharedBytes,
        Action<KernelArgs> fill)
    {
        using var args = new KernelArgs();
        fill(args);
        device.Launch(kernel, grid, block, sharedBytes, args);
        device.Synchronize();
    }

    private static IGpuDevice Emulated(string? library, KernelSignatures? signatures = null)
    {
        if (library is null)
            Assert.Ignore("skipped: the kernel emulation libraries are not built (tools/ci/build-kernels-emu.sh)");
        return new EmulatedDevice(library, signatures);
    }

    private static IGpuDevice Gpu()
    {
        try
        {
            return new CudaDevice();
        }
        catch (CudaUnavailableException e)
        {
            Assert.Ignore($"skipped: no CUDA device ({e.Message})");
            throw;
        }
    }

    private static Dictionary<string, string> LoadTestKernelSources()
    {
        var assembly = typeof(TestDevices).Assembly;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("test-kernels/", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            result[name["test-kernels/".Length..^".cu".Length]] = reader.ReadToEnd();
        }
        return result;
    }
}
