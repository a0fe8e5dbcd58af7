namespace MRVS.Pipeline.Verification;

/// <summary>One fixture tensor compared with what the engine produced.</summary>
public sealed record TensorCheck(string Name, int[] Shape, double MaxAbsError, double MaxRelError, bool Passed,
    string? Note = null);
