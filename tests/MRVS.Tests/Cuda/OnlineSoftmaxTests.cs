using MRVS.Backends.Cuda.Devices;

namespace MRVS.Tests.Cuda;

/// <summary>
/// mrvs_online_softmax, the streaming softmax step of the attention kernels, through Cuda/kernels/online_softmax.cu:
/// keys scored −∞ (masked) weigh 0 wherever they come in the row, including first, where the step once computed
/// −∞ − (−∞) = NaN and poisoned the whole row.
/// </summary>
public class OnlineSoftmaxTests
{
    private static readonly float NegInf = float.NegativeInfinity;

    [Test]
    public void MaskedKeysWeighZeroWhereverTheyComeInTheRow()
    {
        float[][] rows =
        [
            [NegInf, 1f, 2f, 0.5f],
            [NegInf, NegInf, 3f, -1f],
            [1f, NegInf, 2f, NegInf],
            [0.25f, -2f, 7f, 1f],
            [NegInf, NegInf, NegInf, 4f],
        ];
        int n = rows[0].Length;
        using var device = TestDevices.TestKernels();
        using var scores = new DeviceArray<float>(device, rows.SelectMany(r => r).ToArray());
        using var weights = new DeviceArray<float>(device, rows.Length * n);
        device.LaunchAndWait("test_online_softmax", new Dim3(1), new Dim3((uint)rows.Length), 0,
            a => a.Ptr(scores.Ptr).Ptr(weights.Ptr).Add(n));
        var w = weights.Download();
        for (int r = 0; r < rows.Length; r++)
        {
            double max = rows[r].Max(), total = rows[r].Sum(s => Math.Exp(s - max));
            var expected = rows[r].Select(s => (float)(Math.Exp(s - max) / total)).ToArray();
            Assert.That(w.AsSpan(r * n, n).ToArray(), Is.EqualTo(expected).Within(1e-6f),
                $"row {r}: {string.Join(", ", rows[r])}");
        }
    }

    [Test]
    public void ARowOfOnlyMaskedKeysHasNoWeightsLikeSoftmax()
    {
        using var device = TestDevices.TestKernels();
        using var scores = new DeviceArray<float>(device, [NegInf, NegInf, NegInf]);
        using var weights = new DeviceArray<float>(device, 3);
        device.LaunchAndWait("test_online_softmax", new Dim3(1), new Dim3(1), 0,
            a => a.Ptr(scores.Ptr).Ptr(weights.Ptr).Add(3));
        Assert.That(weights.Download(), Has.All.NaN, "0/0, as softmax over only −∞ (PyTorch gives NaN too)");
    }
}
