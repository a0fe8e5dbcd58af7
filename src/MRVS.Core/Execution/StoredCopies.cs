using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Core.Execution;

/// <summary>
/// The values a backend keeps a second copy of in another element type (<see cref="IBackend.StoredCopies"/>): each
/// value's copy type, and the reads, (node, input index), that take the copy instead of the value.
/// </summary>
public sealed record StoredCopies(IReadOnlyDictionary<Value, DType> Types, IReadOnlySet<(Node Node, int Input)> Reads)
{
    public static StoredCopies None { get; } = new(new Dictionary<Value, DType>(), new HashSet<(Node, int)>());
}
