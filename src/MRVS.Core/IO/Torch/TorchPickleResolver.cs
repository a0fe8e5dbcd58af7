namespace MRVS.Core.IO.Torch;

/// <summary>
/// The whitelist for torch.save pickles: <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>,
/// <c>torch._utils._rebuild_parameter</c>, the <c>torch.*Storage</c> types and storage persistent ids. Any other
/// global becomes a <see cref="PickleOpaque"/> that fails, naming the global, only where it is read.
/// </summary>
internal sealed class TorchPickleResolver(string source) : IPickleResolver
{
    public object Global(string module, string name)
    {
        if (TorchFunctionNames.Find(module, name) is { } f) return f;
        if (module == "torch" && name.EndsWith("Storage", StringComparison.Ordinal))
            return TorchStorageType.FromName(name);
        return new PickleOpaque($"{module}.{name}");
    }

    public object Call(object? callable, object?[] args) => callable switch
    {
        PickleOpaque o => o,
        TorchFunction.OrderedDict when args.Length == 0 => new OrderedDictionary<object, object?>(),
        TorchFunction.RebuildTensorV2 when args.Length is 6 or 7 => RebuildTensor(args),
        TorchFunction.RebuildParameter when args.Length == 3 =>
            args[0] as TorchTensorRef
                ?? throw Fail($"torch._utils._rebuild_parameter: data is {PickleValue.Describe(args[0])}, expected a "
                    + "tensor"),
        TorchFunction f => throw Fail($"{f.QualifiedName()} called with {args.Length} arguments"),
        _ => throw Fail($"cannot call {PickleValue.Describe(callable)}"),
    };

    /// <summary>
    /// Storage, offset, size and stride; requires_grad, backward hooks and metadata do not matter for inference.
    /// </summary>
    private TorchTensorRef RebuildTensor(object?[] args)
    {
        const string fn = "torch._utils._rebuild_tensor_v2";
        var storage = args[0] as TorchStorage
            ?? throw Fail($"{fn}: storage is {PickleValue.Describe(args[0])}, expected a storage");
        if (args[1] is not long offset || offset < 0)
            throw Fail($"{fn}: storage_offset is {PickleValue.Describe(args[1])}, expected a non-negative int");
        var size = IntTuple(fn, "size", args[2], int.MaxValue);
        var stride = IntTuple(fn, "stride", args[3], long.MaxValue);
        if (size.Length != stride.Length)
            throw Fail($"{fn}: size has {size.Length} dimensions but stride {stride.Length}");
        return new TorchTensorRef(storage, offset, size, stride);
    }

    private long[] IntTuple(string fn, string what, object? value, long max)
    {
        if (value is not object?[] items)
            throw Fail($"{fn}: {what} is {PickleValue.Describe(value)}, expected a tuple of ints");
        var r = new long[items.Length];
        for (int i = 0; i < items.Length; i++)
            r[i] = items[i] is long v && v >= 0 && v <= max
                ? v
                : throw Fail($"{fn}: {what}[{i}] is {PickleValue.Describe(items[i])} {items[i]}, expected an int in "
                    + $"[0, {max}]");
        return r;
    }

    public object PersistentLoad(object? pid)
    {
        const string expected = "expected ('storage', torch.<Type>Storage, key, location, numel)";
        if (pid is not object?[] { Length: 5 } t || t[0] is not "storage")
            throw Fail($"persistent id is {PickleValue.Describe(pid)}, {expected}");
        if (t[1] is not TorchStorageType type)
            throw Fail($"persistent id's storage type is {PickleValue.Describe(t[1])}, {expected}");
        if (t[2] is not string key || t[3] is not string location || t[4] is not long numel || numel < 0)
            throw Fail($"persistent id ('storage', torch.{type.Name}, {PickleValue.Describe(t[2])}, "
                + $"{PickleValue.Describe(t[3])}, " +
                       $"{PickleValue.Describe(t[4])}): {expected} with string key and location and a non-negative "
                           + "numel");
        return new TorchStorage(type, key, location, numel);
    }

    private TorchFormatException Fail(string what) => new($"{source}: {what}");
}
