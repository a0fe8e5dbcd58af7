namespace MRVS.Core.Execution;

/// <summary>
/// The arithmetic a backend runs a graph in. <see cref="Fp32"/> is the reference; <see cref="Fp16"/> and
/// <see cref="Bf16"/> feed the GEMMs half-width weights and activations with float32 accumulation (CUDA backend only).
/// </summary>
public enum Precision
{
    Fp32,
    Fp16,
    Bf16,
}

public static class PrecisionNames
{
    public static string Name(this Precision p) => p switch
    {
        Precision.Fp16 => "fp16",
        Precision.Bf16 => "bf16",
        _ => "fp32",
    };

    public static Precision Parse(string name) => name switch
    {
        "fp32" => Precision.Fp32,
        "fp16" => Precision.Fp16,
        "bf16" => Precision.Bf16,
        _ => throw new ArgumentException($"unknown precision '{name}' (expected fp32, fp16 or bf16)"),
    };
}
