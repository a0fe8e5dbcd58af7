using System.Diagnostics;
using MRVS.Backends.Cuda.Devices;

namespace MRVS.Backends.Cuda.Emulation;

/// <summary>The emulated device's event: a host timestamp, exact because the emulation runs work as it is
/// queued.</summary>
internal sealed class HostEvent : IGpuEvent
{
    private readonly long _timestamp = Stopwatch.GetTimestamp();

    public double MillisecondsSince(IGpuEvent start) => start is HostEvent s
        ? Stopwatch.GetElapsedTime(s._timestamp, _timestamp).TotalMilliseconds
        : throw new ArgumentException("the start event belongs to another kind of device", nameof(start));

    public void Dispose() { }
}
