// bmrw: SOC++'s bidirectional matching random walk (w = 0.5, temperature 5) per batch entry: x [n, K, d] video
// queries, y [n, M, d] frame queries → out [n, K, d] = 0.5 (I - 0.25 A)^-1 (0.5 z^T y + x) with z = softmax over M of
// 5 n(y) n(x)^T, A = z^T (z / (rowsum z + 1e-9)), n(v) = v / (|v| + 1e-9). Scratch: float [n, M*K + 2*K*K + K*d] in
// device memory. Launch: grid (n), block (32): the K×K solve (LU, partial pivoting) runs on lane 0; the rest is small.
// Limits: sequential; K and M are tens (queries), which is all the model needs.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(32) bmrw(const float* __restrict__ x, const float* __restrict__ yv, float* __restrict__ out, float* __restrict__ scratch,
                                int k, int m, int d)
{
    if (threadIdx.x != 0) return;
    const long long b = blockIdx.x;
    const float* xb = x + b * k * d;
    const float* yb = yv + b * m * d;
    float* z = scratch + b * ((long long)m * k + 2LL * k * k + (long long)k * d);
    float* a = z + (long long)m * k;
    float* zr = a + (long long)k * k;
    float* u = zr + (long long)k * k;
    for (int i = 0; i < m; i++)
    {
        float yn = 0.0f;
        for (int c = 0; c < d; c++) yn += yb[(long long)i * d + c] * yb[(long long)i * d + c];
        yn = sqrtf(yn) + 1e-9f;
        for (int j = 0; j < k; j++)
        {
            float xn = 0.0f, s = 0.0f;
            for (int c = 0; c < d; c++) xn += xb[(long long)j * d + c] * xb[(long long)j * d + c];
            xn = sqrtf(xn) + 1e-9f;
            for (int c = 0; c < d; c++) s += yb[(long long)i * d + c] / yn * (xb[(long long)j * d + c] / xn);
            z[(long long)i * k + j] = s * 5.0f;
        }
    }
    for (int j = 0; j < k; j++)
    {
        float mx = MRVS_NEG_INF, sum = 0.0f;
        for (int i = 0; i < m; i++) mx = fmaxf(mx, z[(long long)i * k + j]);
        for (int i = 0; i < m; i++) { z[(long long)i * k + j] = expf(z[(long long)i * k + j] - mx); sum += z[(long long)i * k + j]; }
        for (int i = 0; i < m; i++) z[(long long)i * k + j] /= sum;
    }
    for (int r = 0; r < k; r++)
        for (int c = 0; c < k; c++)
        {
            float s = 0.0f;
            for (int i = 0; i < m; i++)
            {
                float rs = 0.0f;
                for (int jj = 0; jj < k; jj++) rs += z[(long long)i * k + jj];
                s += z[(long long)i * k + r] * (z[(long long)i * k + c] / (rs + 1e-9f));
            }
            a[r * k + c] = (r == c ? 1.0f : 0.0f) - 0.25f * s;
        }
    for (int r = 0; r < k; r++)
        for (int c = 0; c < d; c++)
        {
            float s = 0.0f;
            for (int i = 0; i < m; i++) s += z[(long long)i * k + r] * yb[(long long)i * d + c];
            u[(long long)r * d + c] = 0.5f * s + xb[(long long)r * d + c];
        }
    for (int col = 0; col < k; col++)
    {
        int piv = col;
        for (int r = col + 1; r < k; r++) if (fabsf(a[r * k + col]) > fabsf(a[piv * k + col])) piv = r;
        if (piv != col)
        {
            for (int c = 0; c < k; c++) { float t = a[col * k + c]; a[col * k + c] = a[piv * k + c]; a[piv * k + c] = t; }
            for (int c = 0; c < d; c++) { float t = u[(long long)col * d + c]; u[(long long)col * d + c] = u[(long long)piv * d + c]; u[(long long)piv * d + c] = t; }
        }
        for (int r = col + 1; r < k; r++)
        {
            const float f = a[r * k + col] / a[col * k + col];
            for (int c = col; c < k; c++) a[r * k + c] -= f * a[col * k + c];
            for (int c = 0; c < d; c++) u[(long long)r * d + c] -= f * u[(long long)col * d + c];
        }
    }
    for (int r = k - 1; r >= 0; r--)
        for (int c = 0; c < d; c++)
        {
            float s = u[(long long)r * d + c];
            for (int j = r + 1; j < k; j++) s -= a[r * k + j] * u[(long long)j * d + c];
            u[(long long)r * d + c] = s / a[r * k + r];
        }
    float* ob = out + b * k * d;
    for (long long e = 0; e < (long long)k * d; e++) ob[e] = 0.5f * u[e];
}
MRVS_EXPORT_INDEPENDENT_KERNEL(bmrw)
