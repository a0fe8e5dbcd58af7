namespace MRVS.Core.Execution;

/// <summary>Wall time of one node (the backend synchronised before and after it).</summary>
public readonly record struct NodeTiming(string Node, string Op, double Milliseconds);
