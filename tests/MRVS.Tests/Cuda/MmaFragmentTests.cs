using MRVS.Backends.Cuda.Devices;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The tensor-core step mrvs_mma_16816 (kernels/include/mrvs_mma.h) and its version without tensor cores
/// (mrvs_mma_16816_by_shuffles, for GPUs before sm_80) through Cuda/kernels/mma.cu: a warp loads plain
/// matrices into the documented m16n8k16 fragments, multiplies, stores D from its fragment, and the result must be
/// the plain product a·b + c. Small integers are exact in fp16 and bf16 and their products and sums exact in float32,
/// so any misplaced element shows as an exact mismatch.
/// </summary>
public class MmaFragmentTests
{
    [TestCase(0, 0)]
    [TestCase(1, 0)]
    [TestCase(0, 1)]
    [TestCase(1, 1)]
    public void FragmentsMultiplyAsPlainMatrices(int bf16, int shuffles)
    {
        var rng = new Random(1681 + bf16 + 2 * shuffles);
        float[] R(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)rng.Next(-8, 9))];
        float[] a = R(16 * 16), b = R(16 * 8), c = R(16 * 8);
        using var device = TestDevices.TestKernels();
        using var da = new DeviceArray<float>(device, a);
        using var db = new DeviceArray<float>(device, b);
        using var dc = new DeviceArray<float>(device, c);
        using var dd = new DeviceArray<float>(device, 16 * 8);
        device.LaunchAndWait("test_mma", new Dim3(1), new Dim3(32), 0,
            x => x.Ptr(da.Ptr).Ptr(db.Ptr).Ptr(dc.Ptr).Ptr(dd.Ptr).Add(bf16).Add(shuffles));
        var d = dd.Download();
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 8; j++)
            {
                float expected = c[i * 8 + j];
                for (int k = 0; k < 16; k++) expected += a[i * 16 + k] * b[k * 8 + j];
                Assert.That(d[i * 8 + j], Is.EqualTo(expected), $"d[{i}, {j}]");
            }
    }
}
