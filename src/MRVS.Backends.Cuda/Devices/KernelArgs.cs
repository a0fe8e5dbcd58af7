using System.Runtime.InteropServices;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>
/// Kernel arguments packed the way cuLaunchKernel takes them (and the emulation library unpacks them): an array of
/// pointers, one per parameter, each to a copy of the value. Values are appended in parameter order; each one's size
/// and kind are kept, so a launch can be checked against the kernel's parameter list (<see
/// cref="Kernels.KernelSignatures"/>):
/// the driver reads as many bytes as the parameter's type has, whatever was stored.
/// </summary>
public sealed unsafe class KernelArgs : IDisposable
{
    private const int SlotBytes = 128;
    private readonly List<nint> _slots = [];
    private readonly List<KernelArgument> _arguments = [];
    private nint* _pointers;

    public KernelArgs Add<T>(T value) where T : unmanaged
    {
        if (sizeof(T) > SlotBytes)
            throw new ArgumentException($"kernel argument of {sizeof(T)} bytes exceeds {SlotBytes}");
        var slot = (nint)NativeMemory.AlignedAlloc(SlotBytes, 16);
        *(T*)slot = value;
        _slots.Add(slot);
        _arguments.Add(new KernelArgument(sizeof(T), KindOf<T>()));
        return this;
    }

    public KernelArgs Ptr(nint devicePointer) => Add(devicePointer);

    public int Count => _slots.Count;

    /// <summary>Size and kind of each value, in parameter order.</summary>
    public IReadOnlyList<KernelArgument> Arguments => _arguments;

    /// <summary>A copy of every value, for work recorded now and launched later (the caller disposes its arguments
    /// after queuing).</summary>
    public KernelArgs Clone()
    {
        var copy = new KernelArgs();
        foreach (var s in _slots)
        {
            var slot = (nint)NativeMemory.AlignedAlloc(SlotBytes, 16);
            NativeMemory.Copy((void*)s, (void*)slot, SlotBytes);
            copy._slots.Add(slot);
        }
        copy._arguments.AddRange(_arguments);
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

    // Device pointers travel as nint; every other primitive (and enum) is an integer.
    private static KernelArgumentKind KindOf<T>() =>
        typeof(T) == typeof(nint) || typeof(T) == typeof(nuint) ? KernelArgumentKind.Pointer
        : typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half)
            ? KernelArgumentKind.Floating
        : typeof(T).IsPrimitive || typeof(T).IsEnum ? KernelArgumentKind.Integer
        : KernelArgumentKind.Aggregate;

    public void Dispose()
    {
        foreach (var s in _slots) NativeMemory.AlignedFree((void*)s);
        _slots.Clear();
        _arguments.Clear();
        if (_pointers != null) { NativeMemory.Free(_pointers); _pointers = null; }
    }
}
