using System.Globalization;
using System.Text.RegularExpressions;
using MRVS.Backends.Cuda.Devices;

namespace MRVS.Backends.Cuda.Kernels;

/// <summary>One parameter of a kernel's extern "C" signature: its C type, name and how it is passed.</summary>
public sealed record KernelParameter(string Type, string Name, KernelArgument Passing);

/// <summary>
/// A kernel's <c>__launch_bounds__</c>, the one statement of its block size: the backend launches it with
/// <paramref name="Threads"/> threads per block, or, written <c>__launch_bounds__(MRVS_AT_MOST(n))</c>, with at most
/// that many, the number set by the shape (<paramref name="ShapeDependent"/>). ptxas budgets registers for it,
/// <c>mrvs kernels report</c> computes occupancy from it, every launch is checked not to exceed it (the GPU would
/// refuse the launch), and a test checks that the backend's launches use it.
/// </summary>
public sealed record LaunchBound(int Threads, bool ShapeDependent)
{
    public override string ToString() =>
        ShapeDependent ? $"≤{Threads} (shape)" : Threads.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The parameter lists of the extern "C" kernels, read from their sources, against which every launch's
/// <see cref="KernelArgs"/> is checked before it reaches the driver or the emulation. cuLaunchKernel copies as many
/// bytes from each argument pointer as the parameter's type has, so an int given for a long long parameter reads
/// four stray bytes, and a double given for a float reads half of it; neither can be detected later. Sizes are those
/// of LP64 (the host ABIs CUDA runs on); structs passed by value are laid out by C's rules from their definitions.
/// </summary>
public sealed partial class KernelSignatures
{
    private static readonly Dictionary<string, KernelArgument> Scalars = new(StringComparer.Ordinal)
    {
        ["bool"] = new(1, KernelArgumentKind.Integer),
        ["char"] = new(1, KernelArgumentKind.Integer),
        ["signed char"] = new(1, KernelArgumentKind.Integer),
        ["unsigned char"] = new(1, KernelArgumentKind.Integer),
        ["short"] = new(2, KernelArgumentKind.Integer),
        ["unsigned short"] = new(2, KernelArgumentKind.Integer),
        ["int"] = new(4, KernelArgumentKind.Integer),
        ["unsigned int"] = new(4, KernelArgumentKind.Integer),
        ["unsigned"] = new(4, KernelArgumentKind.Integer),
        ["long"] = new(8, KernelArgumentKind.Integer),
        ["unsigned long"] = new(8, KernelArgumentKind.Integer),
        ["long long"] = new(8, KernelArgumentKind.Integer),
        ["unsigned long long"] = new(8, KernelArgumentKind.Integer),
        ["long long int"] = new(8, KernelArgumentKind.Integer),
        ["size_t"] = new(8, KernelArgumentKind.Integer),
        ["float"] = new(4, KernelArgumentKind.Floating),
        ["double"] = new(8, KernelArgumentKind.Floating),
    };

    private readonly Dictionary<string, string> _structBodies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Size, int Alignment)> _structLayouts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<KernelParameter>> _kernels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LaunchBound> _bounds = new(StringComparer.Ordinal);

    /// <summary>The kernels of kernels/*.cu, with the structs of their headers.</summary>
    public static KernelSignatures Embedded { get; } = new(KernelSources.Kernels.Values, KernelSources.Headers.Values);

    /// <param name="sources">CUDA sources whose extern "C" __global__ functions are the kernels.</param>
    /// <param name="headers">Further sources that only contribute struct definitions.</param>
    public KernelSignatures(IEnumerable<string> sources, IEnumerable<string> headers)
    {
        var kernelSources = sources.ToList();
        foreach (var text in kernelSources.Concat(headers))
            foreach (Match m in StructPattern().Matches(text))
                _structBodies.TryAdd(m.Groups[1].Value, m.Groups[2].Value);
        foreach (var text in kernelSources)
            foreach (Match m in KernelSources.EntryPointPattern().Matches(text))
            {
                string name = m.Groups[1].Value;
                int close = text.IndexOf(')', m.Index + m.Length);
                _kernels[name] = Parameters(name, text[(m.Index + m.Length)..close]);
                var bound = LaunchBoundPattern().Match(m.Value);
                if (bound.Success)
                {
                    int threads = int.Parse(bound.Groups[2].Value, CultureInfo.InvariantCulture);
                    _bounds[name] = new LaunchBound(threads, bound.Groups[1].Success);
                }
            }
    }

    /// <summary>The kernels' names.</summary>
    public IEnumerable<string> Kernels => _kernels.Keys;

    /// <summary>The parameters of <paramref name="kernel"/>, in order.</summary>
    public IReadOnlyList<KernelParameter> Of(string kernel) =>
        _kernels.TryGetValue(kernel, out var parameters) ? parameters
            : throw new ArgumentException($"no kernel source defines an entry point named '{kernel}'");

    /// <summary>The kernel's launch bound; null when its source gives none (test kernels).</summary>
    public LaunchBound? BoundOf(string kernel) => _bounds.GetValueOrDefault(kernel);

    /// <summary>
    /// Throws when a launch's block has more threads than the kernel's <see cref="LaunchBound"/>: the GPU refuses such
    /// a launch (ptxas may have used registers that only fit the bound), the emulation would not.
    /// </summary>
    public void CheckBlock(string kernel, Dim3 block)
    {
        if (BoundOf(kernel) is not { } bound || block.Volume <= bound.Threads) return;
        throw new ArgumentException($"launch of {kernel} with block {block} ({block.Volume} threads); the kernel's "
            + $"__launch_bounds__ allows at most {bound.Threads}");
    }

    /// <summary>Throws when <paramref name="args"/> does not match <paramref name="kernel"/>'s parameters in count,
    /// size and kind.</summary>
    public void Check(string kernel, KernelArgs args)
    {
        var parameters = Of(kernel);
        var given = args.Arguments;
        string Signature() => $"{kernel}({string.Join(", ", parameters.Select(p => $"{p.Type} {p.Name}"))})";
        if (given.Count != parameters.Count)
            throw new ArgumentException($"launch of {kernel} with {given.Count} arguments; the kernel takes " +
                $"{parameters.Count}: {Signature()}");
        for (int i = 0; i < given.Count; i++)
            if (given[i] != parameters[i].Passing)
                throw new ArgumentException(
                    $"launch of {kernel}: argument {i} ({parameters[i].Type} {parameters[i].Name}) takes a " +
                        $"{parameters[i].Passing} but was given a {given[i]}: {Signature()}");
    }

    private List<KernelParameter> Parameters(string kernel, string list)
    {
        var result = new List<KernelParameter>();
        foreach (var raw in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var tokens = Qualifiers().Replace(raw.Replace("*", " * "), " ")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length < 2)
                throw new InvalidOperationException($"kernel {kernel}: cannot read the parameter '{raw}'");
            string name = tokens[^1], type = string.Join(' ', tokens[..^1]);
            var passing = type.Contains('*') ? new KernelArgument(8, KernelArgumentKind.Pointer)
                : Passing(type, $"kernel {kernel}, parameter {name}");
            result.Add(new KernelParameter(type, name, passing));
        }
        return result;
    }

    private KernelArgument Passing(string type, string where) =>
        Scalars.TryGetValue(type, out var scalar) ? scalar : new KernelArgument(Layout(type, where).Size,
            KernelArgumentKind.Aggregate);

    /// <summary>C's layout of a struct of scalars, arrays of scalars and structs: each field at a multiple of its
    /// alignment, the size a multiple of the largest.</summary>
    private (int Size, int Alignment) Layout(string type, string where)
    {
        if (Scalars.TryGetValue(type, out var scalar)) return (scalar.Size, scalar.Size);
        if (_structLayouts.TryGetValue(type, out var known)) return known;
        if (!_structBodies.TryGetValue(type, out var body))
            throw new InvalidOperationException($"{where}: type '{type}' is neither a scalar nor a struct defined in " +
                "the sources");
        int offset = 0, alignment = 1;
        foreach (var declaration in body.Split(';', StringSplitOptions.TrimEntries
            | StringSplitOptions.RemoveEmptyEntries))
        {
            var m = FieldPattern().Match(Qualifiers().Replace(declaration, " ").Trim());
            if (!m.Success || m.Groups[1].Value.Contains('*'))
                throw new InvalidOperationException($"{where}: cannot lay out the field '{declaration}' of struct " +
                    $"{type}");
            var field = Layout(m.Groups[1].Value, where);
            foreach (var declarator in m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries))
            {
                var array = ArrayPattern().Match(declarator);
                int count = array.Success ? int.Parse(array.Groups[1].Value,
                    System.Globalization.CultureInfo.InvariantCulture) : 1;
                offset = (offset + field.Alignment - 1) / field.Alignment * field.Alignment + count * field.Size;
            }
            alignment = Math.Max(alignment, field.Alignment);
        }
        return _structLayouts[type] = ((offset + alignment - 1) / alignment * alignment, alignment);
    }

    // __launch_bounds__(n) or __launch_bounds__(MRVS_AT_MOST(n)); group 1 marks the second.
    [GeneratedRegex(@"__launch_bounds__\(\s*(MRVS_AT_MOST\(\s*)?(\d+)")]
    private static partial Regex LaunchBoundPattern();

    [GeneratedRegex(@"\bstruct\s+(\w+)\s*\{([^{}]*)\}")]
    private static partial Regex StructPattern();

    // The declared type (words, possibly several) then one or more declarators, each a name with an optional array size
    // and initialiser.
    [GeneratedRegex(@"^((?:\w+\s+)*?\w+)\s+(\w+(?:\s*\[\s*\d+\s*\])?(?:\s*=\s*[^,]+)?"
        + @"(?:\s*,\s*\w+(?:\s*\[\s*\d+\s*\])?(?:\s*=\s*[^,]+)?)*)$")]
    private static partial Regex FieldPattern();

    [GeneratedRegex(@"\[\s*(\d+)\s*\]")]
    private static partial Regex ArrayPattern();

    // What does not change how a value is passed.
    [GeneratedRegex(@"\b(?:const|volatile|__restrict__|struct|__align__\(\d+\))\s*|\s+")]
    private static partial Regex Qualifiers();
}
