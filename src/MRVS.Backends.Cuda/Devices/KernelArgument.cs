namespace MRVS.Backends.Cuda.Devices;

/// <summary>What a kernel parameter or argument is, as far as passing it by value goes.</summary>
public enum KernelArgumentKind { Integer, Floating, Pointer, Aggregate }

/// <summary>One kernel argument or parameter: its size in bytes and its kind.</summary>
public readonly record struct KernelArgument(int Size, KernelArgumentKind Kind)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} of {Size} bytes";
}
