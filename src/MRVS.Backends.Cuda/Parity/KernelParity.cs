using MRVS.Core.Execution;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Parity;

/// <summary>The outcome of a <see cref="KernelParityCase"/>: the largest difference from the reference and what was
/// allowed.</summary>
public sealed record KernelParityResult(KernelParityCase Case, double MaxError, double Tolerance,
    string? Problem = null)
{
    public bool Passed => Problem is null && MaxError <= Tolerance;

    public override string ToString() => Problem is not null
        ? $"{Case.Name}: {Problem}"
        : $"{Case.Name}: max error {MaxError:0.00E+00} (tolerance {Tolerance:0.00E+00}) {(Passed ? "PASS" : "FAIL")}";
}

/// <summary>Runs parity cases: a kernel on a CUDA backend against its CPU reference op on another backend.</summary>
public static class KernelParity
{
    /// <summary>The cases of one op kind (e.g. layer_norm); none for a kind without a kernel.</summary>
    public static IReadOnlyList<KernelParityCase> For(string kind) =>
        KernelParityCases.All.Where(c => c.Op.Kind == kind).ToList();

    public static KernelParityResult Check(KernelParityCase c, IBackend reference, IBackend candidate)
    {
        var inputs = c.CreateInputs();
        try
        {
            using var expected = SingleOp.Run(reference, c.Op, inputs);
            using var actual = SingleOp.Run(candidate, c.Op, inputs);
            if (!actual.Shape.AsSpan().SequenceEqual(expected.Shape) || actual.DType != expected.DType)
                return new KernelParityResult(c, double.PositiveInfinity, 0,
                    $"{candidate.Name} gave {actual}, {reference.Name} {expected}");
            var a = actual.ToDoubleArray();
            var b = expected.ToDoubleArray();
            double maxError = 0, scale = 0;
            for (int i = 0; i < a.Length; i++)
            {
                double d = Math.Abs(a[i] - b[i]);
                if (double.IsNaN(d)) d = double.IsNaN(a[i]) && double.IsNaN(b[i]) ? 0 : double.PositiveInfinity;
                maxError = Math.Max(maxError, d);
                scale = Math.Max(scale, Math.Abs(b[i]));
            }
            double tolerance = expected.DType.IsFloat() ? KernelParityCase.RelativeToScale * scale
                + KernelParityCase.Absolute : 0;
            return new KernelParityResult(c, maxError, tolerance);
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }
}
