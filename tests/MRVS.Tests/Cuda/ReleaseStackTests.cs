using MRVS.Backends.Cuda.Interop;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The release order CudaDevice relies on: its context, stream and cuBLAS handle are released newest first on
/// Dispose, and by a constructor that fails partway, even when one release fails.
/// </summary>
public class ReleaseStackTests
{
    private static (ReleaseStack Stack, List<string> Released) Acquire(bool streamReleaseFails)
    {
        var released = new List<string>();
        var stack = new ReleaseStack();
        stack.Push(() => released.Add("context"));
        stack.Push(() =>
        {
            released.Add("stream");
            if (streamReleaseFails)
                throw new CudaException("cuStreamDestroy_v2", 700, "CUDA_ERROR_ILLEGAL_ADDRESS",
                    "releasing the stream");
        });
        stack.Push(() => released.Add("cublas"));
        return (stack, released);
    }

    [Test]
    public void AFailedConstructionReleasesEverythingAcquiredNewestFirst()
    {
        var (stack, released) = Acquire(streamReleaseFails: true);
        var e = Assert.Throws<CudaException>(() =>
        {
            try
            {
                throw new CudaException("cublasSetStream_v2", 7, "CUBLAS_STATUS_INVALID_VALUE",
                "putting cuBLAS on the device's stream");
            }
            catch
            {
                stack.ReleaseAfterFailure();
                throw;
            }
        })!;
        Assert.That(e.Call, Is.EqualTo("cublasSetStream_v2"),
            "the construction's own error survives a failing release");
        Assert.That(released, Is.EqualTo(new[] { "cublas", "stream", "context" }));
    }

    [Test]
    public void DisposeReleasesOnceAndReportsTheFirstFailure()
    {
        var (stack, released) = Acquire(streamReleaseFails: true);
        var e = Assert.Throws<CudaException>(stack.Dispose)!;
        Assert.That(e.Call, Is.EqualTo("cuStreamDestroy_v2"));
        Assert.That(released, Is.EqualTo(new[] { "cublas", "stream", "context" }),
            "a failed release does not stop the others");
        stack.Dispose();
        Assert.That(released, Has.Count.EqualTo(3), "nothing is released twice");
    }
}
