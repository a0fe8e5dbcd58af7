namespace MRVS.Core.IO.Torch;

/// <summary>
/// What a pickle's globals, calls and persistent ids mean: the whitelist <see cref="SafeUnpickler"/> consults.
/// </summary>
internal interface IPickleResolver
{
    /// <summary>
    /// The value for GLOBAL / STACK_GLOBAL; a <see cref="PickleOpaque"/> for names outside the whitelist.
    /// </summary>
    object Global(string module, string name);

    /// <summary>The result of REDUCE (<c>callable(*args)</c>) and NEWOBJ (<c>cls.__new__(cls, *args)</c>).</summary>
    object Call(object? callable, object?[] args);

    /// <summary>The object a BINPERSID persistent id refers to.</summary>
    object PersistentLoad(object? pid);
}
