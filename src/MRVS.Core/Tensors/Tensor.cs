using System.Runtime.InteropServices;

namespace MRVS.Core.Tensors;

/// <summary>
/// A host tensor: shape, dtype and a pointer to row-major data. It either owns aligned native memory
/// or views memory owned by someone else (a memory-mapped safetensors file), whose owner is kept alive.
/// </summary>
public sealed unsafe class Tensor : IDisposable
{
    private void* _owned;
    private readonly object? _keepAlive;

    public int[] Shape { get; }
    public DType DType { get; }
    public nint Data { get; private set; }
    public long ElementCount { get; }
    public long ByteLength => ElementCount * DType.Size();
    public int Rank => Shape.Length;

    private Tensor(DType dtype, int[] shape, nint data, void* owned, object? keepAlive)
    {
        DType = dtype;
        Shape = shape;
        ElementCount = Tensors.Shape.Elements(shape);
        Data = data;
        _owned = owned;
        _keepAlive = keepAlive;
    }

    /// <summary>
    /// A zero-filled tensor owning 64-byte aligned native memory. It comes from calloc, which hands large blocks over
    /// as fresh zero pages of the OS: memory that is never touched (a stand-in for a missing weight) costs nothing.
    /// </summary>
    public static Tensor Zeros(DType dtype, params int[] shape)
    {
        long bytes = Tensors.Shape.Elements(shape) * dtype.Size();
        void* block = NativeMemory.AllocZeroed((nuint)Math.Max(bytes, 1) + Alignment - 1);
        nint data = ((nint)block + Alignment - 1) & ~(nint)(Alignment - 1);
        return new Tensor(dtype, (int[])shape.Clone(), data, block, null);
    }

    private const int Alignment = 64;

    /// <summary>A view of memory owned by <paramref name="owner"/> (kept alive as long as the view).</summary>
    public static Tensor View(DType dtype, int[] shape, nint data, object owner) =>
        new(dtype, (int[])shape.Clone(), data, null, owner);

    public static Tensor FromSpan<T>(ReadOnlySpan<T> values, params int[] shape) where T : unmanaged
    {
        var t = Zeros(DTypeOf<T>(), shape);
        if (values.Length != t.ElementCount)
            throw new ArgumentException($"{values.Length} values for shape {Tensors.Shape.Format(shape)}");
        values.CopyTo(t.Span<T>());
        return t;
    }

    public static DType DTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.F32 :
        typeof(T) == typeof(double) ? DType.F64 :
        typeof(T) == typeof(long) ? DType.I64 :
        typeof(T) == typeof(byte) ? DType.U8 :
        typeof(T) == typeof(bool) ? DType.Bool :
        typeof(T) == typeof(Half) ? DType.F16 :
        throw new NotSupportedException($"no dtype for {typeof(T).Name}");

    public Span<T> Span<T>() where T : unmanaged
    {
        if (sizeof(T) != DType.Size())
            throw new InvalidOperationException($"tensor of {DType} viewed as {typeof(T).Name}");
        ObjectDisposedException.ThrowIf(Data == 0 && ElementCount > 0, this);
        return new Span<T>((void*)Data, checked((int)ElementCount));
    }

    public ReadOnlySpan<byte> Bytes => new((void*)Data, checked((int)ByteLength));

    /// <summary>Rows [start, start + count) of the first axis, as a view sharing this tensor's memory.</summary>
    public Tensor SliceRows(int start, int count)
    {
        if (Rank == 0 || start < 0 || count < 0 || start + count > Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"rows {start}..{start + count} of {this}");
        var shape = (int[])Shape.Clone();
        shape[0] = count;
        long rowBytes = ByteLength / Math.Max(Shape[0], 1);
        return new Tensor(DType, shape, Data + (nint)(start * rowBytes), null, this);
    }

    /// <summary>A copy (owning its memory) with another shape of the same element count.</summary>
    public Tensor Reshaped(params int[] shape)
    {
        if (Tensors.Shape.Elements(shape) != ElementCount)
            throw new ArgumentException($"cannot reshape {Tensors.Shape.Format(Shape)} to "
                + $"{Tensors.Shape.Format(shape)}");
        var t = Zeros(DType, shape);
        Bytes.CopyTo(new Span<byte>((void*)t.Data, checked((int)ByteLength)));
        return t;
    }

    /// <summary>Values converted to float64 (for comparisons); F16/BF16 are widened exactly.</summary>
    public double[] ToDoubleArray()
    {
        var r = new double[ElementCount];
        switch (DType)
        {
            case DType.F32: { var s = Span<float>(); for (int i = 0; i < r.Length; i++) r[i] = s[i]; break; }
            case DType.F64: Span<double>().CopyTo(r); break;
            case DType.I64: { var s = Span<long>(); for (int i = 0; i < r.Length; i++) r[i] = s[i]; break; }
            case DType.U8:
            case DType.Bool: { var s = Span<byte>(); for (int i = 0; i < r.Length; i++) r[i] = s[i]; break; }
            case DType.F16: { var s = Span<Half>(); for (int i = 0; i < r.Length; i++) r[i] = (double)s[i]; break; }
            case DType.BF16:
                {
                    var s = Span<ushort>();
                    for (int i = 0; i < r.Length; i++) r[i] = BitConverter.Int32BitsToSingle(s[i] << 16);
                    break;
                }
        }
        return r;
    }

    public override string ToString() => $"{DType}{Tensors.Shape.Format(Shape)}";

    public void Dispose()
    {
        if (_owned != null)
        {
            NativeMemory.Free(_owned);
            _owned = null;
            Data = 0;
        }
        GC.KeepAlive(_keepAlive);
    }
}
