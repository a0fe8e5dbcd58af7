namespace MRVS.Backends.Cuda.Devices;

/// <summary>A point in a device's stream (<see cref="IGpuDevice.RecordEvent"/>): a CUDA event on the GPU, a host
/// timestamp in the emulation.</summary>
public interface IGpuEvent : IDisposable
{
    /// <summary>Milliseconds from <paramref name="start"/> to this event; both must have been reached (synchronise
    /// first).</summary>
    double MillisecondsSince(IGpuEvent start);
}
