using MRVS.Core.Tensors;

namespace MRVS.Core.IO.Torch;

/// <summary>
/// A <c>torch.*Storage</c> class named in a persistent id: the element type of the raw bytes in
/// <c>data/&lt;key&gt;</c>. <see cref="DType"/> is null for storage types without an MRVS dtype (IntStorage,
/// ShortStorage, complex, ...): they are accepted while reading the pickle and rejected only when such a tensor is
/// materialised, so an int32 tensor elsewhere in a checkpoint (optimizer state, say) does not block the model weights.
/// int32 is rejected rather than widened to int64 so that a loaded tensor always has the bytes of the file.
/// </summary>
internal sealed record TorchStorageType(string Name, DType? DType)
{
    public static TorchStorageType FromName(string name) => new(name, name switch
    {
        "FloatStorage" => Tensors.DType.F32,
        "DoubleStorage" => Tensors.DType.F64,
        "HalfStorage" => Tensors.DType.F16,
        "BFloat16Storage" => Tensors.DType.BF16,
        "LongStorage" => Tensors.DType.I64,
        "ByteStorage" => Tensors.DType.U8,
        "BoolStorage" => Tensors.DType.Bool,
        _ => null,
    });

    public const string Supported =
        "FloatStorage, DoubleStorage, HalfStorage, BFloat16Storage, LongStorage, ByteStorage, BoolStorage";
}
