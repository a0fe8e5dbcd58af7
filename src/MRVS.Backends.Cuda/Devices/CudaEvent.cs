using MRVS.Backends.Cuda.Interop;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>A CUDA event recorded on a <see cref="CudaDevice"/>'s stream (timing enabled: created with default
/// flags).</summary>
internal sealed class CudaEvent : IGpuEvent
{
    private readonly Action _makeCurrent;
    private nint _event;

    public CudaEvent(nint stream, Action makeCurrent)
    {
        _makeCurrent = makeCurrent;
        makeCurrent();
        CudaDriver.Check(CudaDriver.EventCreate(out _event, CudaDriver.EventDefault), "cuEventCreate",
            "creating a timing event");
        try
        {
            CudaDriver.Check(CudaDriver.EventRecord(_event, stream), "cuEventRecord", "recording a timing event");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public double MillisecondsSince(IGpuEvent start)
    {
        if (start is not CudaEvent s)
            throw new ArgumentException("the start event belongs to another kind of device", nameof(start));
        ObjectDisposedException.ThrowIf(_event == 0 || s._event == 0, this);
        _makeCurrent();
        return CudaDriver.ElapsedMilliseconds(s._event, _event, "reading the time between two events");
    }

    public void Dispose()
    {
        if (_event == 0) return;
        _makeCurrent();
        var e = _event;
        _event = 0;
        CudaDriver.Check(CudaDriver.EventDestroy(e), "cuEventDestroy_v2", "releasing a timing event");
    }
}
