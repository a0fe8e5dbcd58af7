namespace MRVS.Core.IO.Torch;

/// <summary>
/// The .NET shapes of unpickled values: None → null, bool, int → long, float → double, str → string,
/// bytes → byte[], tuple → object?[], list → List&lt;object?&gt;, dict and OrderedDict →
/// OrderedDictionary&lt;object, object?&gt;, plus the torch values of <see cref="TorchPickleResolver"/> and
/// <see cref="PickleOpaque"/>.
/// </summary>
internal static class PickleValue
{
    /// <summary>What a value is, for error messages.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        bool => "a bool",
        long => "an int",
        double => "a float",
        string => "a string",
        byte[] => "bytes",
        object?[] t => $"a tuple of {t.Length}",
        List<object?> => "a list",
        OrderedDictionary<object, object?> => "a dict",
        TorchTensorRef => "a tensor",
        TorchStorage => "a storage",
        TorchStorageType s => $"the storage type torch.{s.Name}",
        TorchFunction f => $"the function {f.QualifiedName()}",
        PickleOpaque o => $"an object of the global '{o.Global}', which is not on this reader's whitelist",
        _ => value.GetType().Name,
    };
}
