namespace MRVS.Core.IO.Torch;

/// <summary>
/// A tensor as the pickle describes it: a strided view (offset, size, stride in elements) of a storage, not yet read.
/// </summary>
internal sealed record TorchTensorRef(TorchStorage Storage, long Offset, long[] Size, long[] Stride)
{
    /// <summary>
    /// Row-major without holes, so the bytes can be read in one piece (strides of size-1 axes do not matter).
    /// </summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int d = Size.Length - 1; d >= 0; d--)
            {
                if (Size[d] != 1 && Stride[d] != expected) return false;
                expected *= Size[d];
            }
            return true;
        }
    }

    /// <summary>
    /// The highest storage element the view touches (−1 for an empty tensor); throws OverflowException past 64 bits.
    /// </summary>
    public long LastElement
    {
        get
        {
            long last = Offset;
            foreach (var (size, stride) in Size.Zip(Stride))
            {
                if (size == 0) return -1;
                last = checked(last + (size - 1) * stride);
            }
            return last;
        }
    }
}
