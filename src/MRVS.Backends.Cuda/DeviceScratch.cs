using MRVS.Backends.Cuda.Devices;

namespace MRVS.Backends.Cuda;

/// <summary>
/// One device buffer for temporaries that live only while one op runs, shared by every op that needs such memory
/// (one stream runs them in order). It only grows, and outgrown buffers are kept until disposal: graphs captured
/// earlier still address them.
/// </summary>
internal sealed class DeviceScratch(IGpuDevice device) : IDisposable
{
    private readonly List<nint> _buffers = [];
    private long _bytes;

    /// <summary>At least <paramref name="bytes"/> bytes, valid until the next call.</summary>
    public nint Get(long bytes)
    {
        if (bytes > _bytes)
        {
            _bytes = Math.Max(bytes, 2 * _bytes);
            _buffers.Add(device.Allocate(_bytes));
        }
        return _buffers[^1];
    }

    public void Dispose()
    {
        foreach (var p in _buffers) device.Free(p);
        _buffers.Clear();
        _bytes = 0;
    }
}
