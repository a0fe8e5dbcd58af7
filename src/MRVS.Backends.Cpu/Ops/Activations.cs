using System.Numerics;
using System.Runtime.InteropServices;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Numerics;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>Scalar activation functions shared by the CPU kernels that fuse them.</summary>
public static class Activations
{
    public static float Relu(float x) => x > 0f ? x : 0f;

    private const double InvSqrt2 = 0.70710678118654752440, SeriesLimit = 3.0;
    private const int SeriesTerms = 80;

    /// <summary>Exact GELU: x · Φ(x) = 0.5 x (1 + erf(x / √2)), erf evaluated in double and rounded.</summary>
    public static float Gelu(float x) => (float)(0.5 * x * (1.0 + Erf(x * InvSqrt2)));

    public static void Apply(Activation a, Span<float> v)
    {
        switch (a)
        {
            case Activation.None: break;
            case Activation.Relu: Relu(v); break;
            case Activation.Gelu: Gelu(v); break;
            case Activation.Sigmoid: for (int i = 0; i < v.Length; i++) v[i] = ScalarActivations.Sigmoid(v[i]); break;
            case Activation.Tanh: for (int i = 0; i < v.Length; i++) v[i] = MathF.Tanh(v[i]); break;
        }
    }

    /// <summary><see cref="Relu(float)"/> over a span, vectorised (NaN gives 0 as in the scalar form).</summary>
    private static void Relu(Span<float> v)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var values = MemoryMarshal.Cast<float, Vector<float>>(v);
            foreach (ref var x in values)
                x = Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, Vector<float>.Zero);
            i = values.Length * Vector<float>.Count;
        }
        for (; i < v.Length; i++) v[i] = Relu(v[i]);
    }

    /// <summary>
    /// <see cref="Gelu(float)"/> over a span, in SIMD lanes (<see cref="VectorGelu"/>: equal up to a rare ulp).
    /// </summary>
    private static void Gelu(Span<float> v) => VectorGelu.Apply(v);

    /// <summary>erf in double precision: Maclaurin series below 3, Lentz continued fraction of erfc above.</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax >= 6.0) return Math.Sign(x);
        if (ax < SeriesLimit)
        {
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < SeriesTerms && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }
            return 2.0 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated with modified Lentz.
        const double tiny = 1e-300;
        double f = ax, c = ax, d = 0.0;
        for (int k = 1; k < 200; k++)
        {
            double a = k * 0.5;
            d = ax + a * d; d = Math.Abs(d) < tiny ? tiny : d; d = 1.0 / d;
            c = ax + a / c; c = Math.Abs(c) < tiny ? tiny : c;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16) break;
        }
        double erfc = Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f;
        return x < 0 ? erfc - 1.0 : 1.0 - erfc;
    }
}
