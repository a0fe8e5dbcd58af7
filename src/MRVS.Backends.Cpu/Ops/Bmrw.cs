using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="BmrwOp"/>, one batch entry per thread: float32 products as upstream, then
/// (I − w²A)·X = U solved for X directly (rather than inverting, as upstream does) by LU with partial pivoting in
/// double.
/// </summary>
public sealed unsafe class Bmrw : CpuKernel<BmrwOp>
{
    protected override void Run(BmrwOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (x, y) = (inputs[0], inputs[1]);
        int n = x.Dim(0), k = x.Dim(1), m = y.Dim(1), d = x.Dim(2);
        nint px = x.Ptr, py = y.Ptr, po = output.Ptr;
        CpuParallel.For(n, b => Solve((float*)px + b * k * d, (float*)py + b * m * d, (float*)po + b * k * d, k, m, d));
    }

    private static void Solve(float* x, float* y, float* o, int k, int m, int d)
    {
        var xn = Normalised(x, k, d);
        var yn = Normalised(y, m, d);
        var z = new float[m * k];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < k; j++)
            {
                float s = 0f;
                for (int c = 0; c < d; c++) s += yn[i * d + c] * xn[j * d + c];
                z[i * k + j] = s * BmrwOp.Temperature;
            }
        for (int j = 0; j < k; j++)
        {
            float max = float.NegativeInfinity, sum = 0f;
            for (int i = 0; i < m; i++) max = MathF.Max(max, z[i * k + j]);
            for (int i = 0; i < m; i++) { z[i * k + j] = MathF.Exp(z[i * k + j] - max); sum += z[i * k + j]; }
            for (int i = 0; i < m; i++) z[i * k + j] /= sum;
        }
        var zr = new float[m * k];
        for (int i = 0; i < m; i++)
        {
            float s = 0f;
            for (int j = 0; j < k; j++) s += z[i * k + j];
            for (int j = 0; j < k; j++) zr[i * k + j] = z[i * k + j] / (s + BmrwOp.Eps);
        }
        const float w = BmrwOp.Walk;
        var a = new double[k, k];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++)
            {
                float s = 0f;
                for (int i = 0; i < m; i++) s += z[i * k + r] * zr[i * k + c];
                a[r, c] = (r == c ? 1.0 : 0.0) - (double)(w * w * s);
            }
        var u = new double[k, d];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < d; c++)
            {
                float s = 0f;
                for (int i = 0; i < m; i++) s += z[i * k + r] * y[i * d + c];
                u[r, c] = w * s + x[r * d + c];
            }
        LuSolveInPlace(a, u);
        for (int r = 0; r < k; r++)
            for (int c = 0; c < d; c++) o[r * d + c] = (float)((1 - w) * u[r, c]);
    }

    private static float[] Normalised(float* v, int rows, int d)
    {
        var r = new float[rows * d];
        for (int i = 0; i < rows; i++)
        {
            double sq = 0;
            for (int c = 0; c < d; c++) sq += (double)v[i * d + c] * v[i * d + c];
            float norm = (float)Math.Sqrt(sq) + BmrwOp.Eps;
            for (int c = 0; c < d; c++) r[i * d + c] = v[i * d + c] / norm;
        }
        return r;
    }

    /// <summary>
    /// Solves A·X = B for X (in B), Gaussian elimination with partial pivoting (LAPACK getrf/getrs order).
    /// </summary>
    public static void LuSolveInPlace(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), cols = b.GetLength(1);
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            if (a[pivot, col] == 0) throw new ArithmeticException("BMRW: singular (I − w²A) system");
            if (pivot != col)
            {
                for (int c = 0; c < n; c++) (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
                for (int c = 0; c < cols; c++) (b[col, c], b[pivot, c]) = (b[pivot, c], b[col, c]);
            }
            for (int r = col + 1; r < n; r++)
            {
                double f = a[r, col] / a[col, col];
                if (f == 0) continue;
                for (int c = col; c < n; c++) a[r, c] -= f * a[col, c];
                for (int c = 0; c < cols; c++) b[r, c] -= f * b[col, c];
            }
        }
        for (int r = n - 1; r >= 0; r--)
            for (int c = 0; c < cols; c++)
            {
                double s = b[r, c];
                for (int j = r + 1; j < n; j++) s -= a[r, j] * b[j, c];
                b[r, c] = s / a[r, r];
            }
    }
}
