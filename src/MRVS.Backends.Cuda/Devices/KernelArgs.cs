using System.Runtime.InteropServices;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// Kernel arguments packed the way cuLaunchKernel takes them (and the emulation library unpacks them): an array of
/// pointers, one per parameter, each to a copy of the value. Values are appended in parameter order.
/// </summary>
public sealed unsafe class KernelArgs : IDisposable
{
    private const int SlotBytes = 128;
    private readonly List<nint> _slots = [];
    private nint* _pointers;

    public KernelArgs Add<T>(T value) where T : unmanaged
    {
        if (sizeof(T) > SlotBytes) throw new ArgumentException($"kernel argument of {sizeof(T)} bytes exceeds {SlotBytes}");
        var slot = (nint)NativeMemory.AlignedAlloc(SlotBytes, 16);
        *(T*)slot = value;
        _slots.Add(slot);
        return this;
    }

    public KernelArgs Ptr(nint devicePointer) => Add(devicePointer);

    public int Count => _slots.Count;

    /// <summary>A copy of every value, for work recorded now and launched later (the caller disposes its arguments after queuing).</summary>
    public KernelArgs Clone()
    {
        var copy = new KernelArgs();
        foreach (var s in _slots)
        {
            var slot = (nint)NativeMemory.AlignedAlloc(SlotBytes, 16);
            NativeMemory.Copy((void*)s, (void*)slot, SlotBytes);
            copy._slots.Add(slot);
        }
        return copy;
    }

    /// <summary>The void** kernelParams array.</summary>
    public nint Pointers
    {
        get
        {
            if (_pointers != null) NativeMemory.Free(_pointers);
            _pointers = (nint*)NativeMemory.Alloc((nuint)Math.Max(1, _slots.Count), (nuint)sizeof(nint));
            for (int i = 0; i < _slots.Count; i++) _pointers[i] = _slots[i];
            return (nint)_pointers;
        }
    }

    public void Dispose()
    {
        foreach (var s in _slots) NativeMemory.AlignedFree((void*)s);
        _slots.Clear();
        if (_pointers != null) { NativeMemory.Free(_pointers); _pointers = null; }
    }
}
