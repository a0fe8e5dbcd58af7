namespace MRVS.Core.Execution;

/// <summary>
/// Time of one node: device time between events around its work where the backend has them, else host wall time (see
/// <see cref="INodeTimer"/>).
/// </summary>
public readonly record struct NodeTiming(string Node, string Op, double Milliseconds);
