using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda;

/// <summary>
/// A backend's constants on the device, each uploaded once however many executors use it, and freed with the backend,
/// or with the executor whose graph passes made it (<see cref="Release"/>: folded values and stacked weights, new for
/// every shape, would otherwise pile up over a run of many shapes).
/// Graphs built for different input shapes hold different <see cref="Tensor"/> objects viewing the same weights, so a
/// constant is known by the host memory it views (address, type, size); a content hash guards against memory that
/// was released and reused for other data while the backend lived. Reduced-precision copies for GEMMs are made on
/// first use and kept beside the float32 one (other kernels may read the same constant in float32).
/// </summary>
internal sealed class DeviceConstants(IGpuDevice device) : IDisposable
{
    private readonly record struct HostKey(nint Data, DType Type, long Bytes);
    private readonly record struct Uploaded(nint Device, int Hash);

    private readonly Dictionary<HostKey, Uploaded> _uploads = [];
    private readonly HashSet<nint> _devicePointers = [];
    private readonly Dictionary<(nint Source, long Elements, DType Type), nint> _narrowed = [];
    private readonly List<nint> _owned = [];

    public nint Upload(Tensor tensor)
    {
        var key = new HostKey(tensor.Data, tensor.DType, tensor.ByteLength);
        int hash = Hash(tensor.Bytes);
        if (_uploads.TryGetValue(key, out var known) && known.Hash == hash) return known.Device;
        var p = Own(tensor.ByteLength);
        device.CopyToDevice(tensor.Bytes, p);
        _uploads[key] = new Uploaded(p, hash);
        _devicePointers.Add(p);
        return p;
    }

    /// <summary>Whether a device address is the start of an uploaded constant (views of constants share it).</summary>
    public bool Contains(nint devicePointer) => _devicePointers.Contains(devicePointer);

    /// <summary>
    /// The 16-bit copy of the first <paramref name="elements"/> floats of a constant, made by <paramref name="narrow"/>
    /// (source, destination, elements) on first request.
    /// </summary>
    public nint Narrowed(nint constant, long elements, DType type, Action<nint, nint, long> narrow)
    {
        if (_narrowed.TryGetValue((constant, elements, type), out var p)) return p;
        p = Own(elements * type.Size());
        narrow(constant, p, elements);
        return _narrowed[(constant, elements, type)] = p;
    }

    /// <summary>Frees a constant's device copy and its reduced-precision copies, if it was uploaded.</summary>
    public void Release(Tensor tensor)
    {
        if (!_uploads.Remove(new HostKey(tensor.Data, tensor.DType, tensor.ByteLength), out var uploaded)) return;
        nint start = uploaded.Device, end = start + (nint)tensor.ByteLength;
        foreach (var key in _narrowed.Keys.Where(k => k.Source >= start && k.Source < end).ToList())
        {
            Free(_narrowed[key]);
            _narrowed.Remove(key);
        }
        _devicePointers.Remove(start);
        Free(start);
    }

    private void Free(nint p)
    {
        device.Free(p);
        _owned.Remove(p);
    }

    private nint Own(long bytes)
    {
        var p = device.Allocate(bytes);
        _owned.Add(p);
        return p;
    }

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var h = new HashCode();
        h.AddBytes(bytes);
        return h.ToHashCode();
    }

    public void Dispose()
    {
        foreach (var p in _owned) device.Free(p);
        _owned.Clear();
        _uploads.Clear();
        _devicePointers.Clear();
        _narrowed.Clear();
    }
}
