using System.Runtime.CompilerServices;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>int[3] inside a struct passed by value to a kernel.</summary>
[InlineArray(3)]
internal struct Three
{
    private int _element;
}

/// <summary>T[6] inside a struct passed by value to a kernel (tensors of at most 6 axes).</summary>
[InlineArray(6)]
internal struct Six<T> where T : unmanaged
{
    private T _element;
}
