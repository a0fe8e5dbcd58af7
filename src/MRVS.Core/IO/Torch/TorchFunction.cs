namespace MRVS.Core.IO.Torch;

/// <summary>The whitelisted callables a torch.save pickle may REDUCE.</summary>
internal enum TorchFunction
{
    /// <summary><c>collections.OrderedDict()</c>: state dicts and tensors' empty backward-hook dicts.</summary>
    OrderedDict,

    /// <summary>
    /// <c>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[,
    /// metadata])</c>.
    /// </summary>
    RebuildTensorV2,

    /// <summary>
    /// <c>torch._utils._rebuild_parameter(data, requires_grad, backward_hooks)</c>: an nn.Parameter, read as its data.
    /// </summary>
    RebuildParameter,
}

internal static class TorchFunctionNames
{
    public static string QualifiedName(this TorchFunction f) => f switch
    {
        TorchFunction.OrderedDict => "collections.OrderedDict",
        TorchFunction.RebuildTensorV2 => "torch._utils._rebuild_tensor_v2",
        TorchFunction.RebuildParameter => "torch._utils._rebuild_parameter",
        _ => throw new ArgumentOutOfRangeException(nameof(f)),
    };

    public static TorchFunction? Find(string module, string name) => (module, name) switch
    {
        ("collections", "OrderedDict") => TorchFunction.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2") => TorchFunction.RebuildTensorV2,
        ("torch._utils", "_rebuild_parameter") => TorchFunction.RebuildParameter,
        _ => null,
    };
}
