using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MRVS.Backends.Cuda.Devices;

namespace MRVS.Tests.Cuda;

/// <summary>A typed allocation on a test device, uploaded from and downloaded to arrays.</summary>
internal sealed class DeviceArray<T> : IDisposable where T : unmanaged
{
    private readonly IGpuDevice _device;

    public nint Ptr { get; private set; }
    public int Length { get; }

    public DeviceArray(IGpuDevice device, int length)
    {
        _device = device;
        Length = length;
        Ptr = device.Allocate((long)length * Unsafe.SizeOf<T>());
    }

    public DeviceArray(IGpuDevice device, ReadOnlySpan<T> values) : this(device, values.Length) =>
        device.CopyToDevice(MemoryMarshal.AsBytes(values), Ptr);

    public T[] Download()
    {
        var host = new T[Length];
        _device.CopyToHost(Ptr, MemoryMarshal.AsBytes(host.AsSpan()));
        return host;
    }

    public void Dispose()
    {
        if (Ptr == 0) return;
        _device.Free(Ptr);
        Ptr = 0;
    }
}
