// bmrw: SOC++'s bidirectional matching random walk (w = 0.5, temperature 5) per batch entry: x [n, K, d] video
// queries, y [n, M, d] frame queries → out [n, K, d] = 0.5 (I - 0.25 A)^-1 (0.5 z^T y + x) with z = softmax over M of
// 5 n(y) n(x)^T, A = z^T (z / (rowsum z + 1e-9)), n(v) = v / (|v| + 1e-9).
// Layout: row-major as above; scratch float [n, (K + 8) d + M K + M + K K + K] in device memory: the normalised rows
// (n(x), then a row of n(y) per warp; unused when `staged`: then they are the launch's (K + 8) d floats of dynamic
// shared memory, so they are neither written to nor read back from memory), z, rowsum z + 1e-9, A (then its LU
// factors), the pivot rows. U = 0.5 z^T y + x is formed in out, solved there in place and halved.
// Launch: grid (n), block (256), stages separated by block barriers, each spread over the block: n(x) once (a warp per
// row), then a warp per row of y normalises it and takes its K dot products with n(x) (z), the softmax a warp per
// column, A and U an entry per thread; then the K×K factorisation (LU, partial pivoting, LAPACK getrf's order) by the
// first warp, its rows in lanes, and the solve for the d right-hand sides a column per thread (forward and back
// substitution need no barrier).
// Limits: one block per batch entry (n = decoder layers: a handful of blocks); K and M are tens of queries, so the
// block's stages are a few thousand operations per thread and the K-step factorisation is one warp's.
#include "mrvs_cuda.h"

#define MRVS_BMRW_THREADS 256

#define MRVS_BMRW_WARPS (MRVS_BMRW_THREADS / MRVS_WARP)

// Row r divided by (its norm + 1e-9) into out, by one warp.
__device__ __forceinline__ void bmrw_normalise(const float* __restrict__ r, float* __restrict__ out, int d, int lane)
{
    float sq = 0.0f;
    for (int c = lane; c < d; c += MRVS_WARP) sq += r[c] * r[c];
    const float norm = sqrtf(mrvs_warp_sum(sq)) + 1e-9f;
    for (int c = lane; c < d; c += MRVS_WARP) out[c] = r[c] / norm;
}

extern "C" __global__ void __launch_bounds__(256) bmrw(const float* __restrict__ x, const float* __restrict__ yv,
                                                       float* __restrict__ out, float* __restrict__ scratch, int k,
                                                       int m, int d, int staged)
{
    MRVS_DYNAMIC_SMEM(float, shared_rows);
    const long long b = blockIdx.x;
    const int lane = threadIdx.x % MRVS_WARP, warp = threadIdx.x / MRVS_WARP, warps = MRVS_BMRW_WARPS;
    const float* xb = x + b * k * d;
    const float* yb = yv + b * m * d;
    float* entry = scratch + b * ((long long)(k + MRVS_BMRW_WARPS) * d + (long long)m * k + m + (long long)k * k
                                  + k);
    float* nx = staged ? shared_rows : entry;
    float* ny = nx + (long long)(k + warp) * d; // this warp's row of n(y)
    float* z = entry + (long long)(k + MRVS_BMRW_WARPS) * d;
    float* rowsum = z + (long long)m * k;
    float* a = rowsum + m;
    int* pivot = reinterpret_cast<int*>(a + (long long)k * k);
    float* u = out + b * k * d;

    for (int j = warp; j < k; j += warps) bmrw_normalise(xb + (long long)j * d, nx + (long long)j * d, d, lane);
    __syncthreads();
    for (int i = warp; i < m; i += warps)
    {
        bmrw_normalise(yb + (long long)i * d, ny, d, lane);
        __syncwarp();
        for (int j = 0; j < k; j++)
        {
            const float* xr = nx + (long long)j * d;
            float s = 0.0f;
            for (int c = lane; c < d; c += MRVS_WARP) s += ny[c] * xr[c];
            s = mrvs_warp_sum(s);
            if (lane == 0) z[(long long)i * k + j] = s * 5.0f;
        }
        __syncwarp(); // the row is read by every lane before the next one overwrites it
    }
    __syncthreads();
    for (int j = warp; j < k; j += warps) // softmax over M of column j
    {
        float mx = MRVS_NEG_INF, sum = 0.0f;
        for (int i = lane; i < m; i += MRVS_WARP) mx = fmaxf(mx, z[(long long)i * k + j]);
        mx = mrvs_warp_max(mx);
        for (int i = lane; i < m; i += MRVS_WARP) sum += expf(z[(long long)i * k + j] - mx);
        sum = mrvs_warp_sum(sum);
        for (int i = lane; i < m; i += MRVS_WARP) z[(long long)i * k + j] = expf(z[(long long)i * k + j] - mx) / sum;
    }
    __syncthreads();
    for (int i = threadIdx.x; i < m; i += MRVS_BMRW_THREADS)
    {
        float s = 0.0f;
        for (int j = 0; j < k; j++) s += z[(long long)i * k + j];
        rowsum[i] = s + 1e-9f;
    }
    __syncthreads();
    for (int e = threadIdx.x; e < k * k; e += MRVS_BMRW_THREADS)
    {
        const int r = e / k, c = e % k;
        float s = 0.0f;
        for (int i = 0; i < m; i++) s += z[(long long)i * k + r] * (z[(long long)i * k + c] / rowsum[i]);
        a[e] = (r == c ? 1.0f : 0.0f) - 0.25f * s;
    }
    for (long long e = threadIdx.x; e < (long long)k * d; e += MRVS_BMRW_THREADS)
    {
        const int r = (int)(e / d), c = (int)(e % d);
        float s = 0.0f;
        for (int i = 0; i < m; i++) s += z[(long long)i * k + r] * yb[(long long)i * d + c];
        u[e] = 0.5f * s + xb[e];
    }
    __syncthreads();
    if (warp == 0) // A = P L U in place, the first warp: lanes own rows, pivot by warp argmax (the first largest)
        for (int col = 0; col < k; col++)
        {
            float best = -1.0f;
            int piv = col;
            for (int r = col + lane; r < k; r += MRVS_WARP)
                if (fabsf(a[r * k + col]) > best) best = fabsf(a[r * k + col]), piv = r;
            for (int offset = MRVS_WARP / 2; offset > 0; offset >>= 1)
            {
                const float ob = __shfl_xor_sync(0xffffffffu, best, offset);
                const int op = __shfl_xor_sync(0xffffffffu, piv, offset);
                if (ob > best || (ob == best && op < piv)) best = ob, piv = op;
            }
            if (lane == 0) pivot[col] = piv;
            if (piv != col)
                for (int c = lane; c < k; c += MRVS_WARP)
                {
                    const float t = a[col * k + c];
                    a[col * k + c] = a[piv * k + c];
                    a[piv * k + c] = t;
                }
            __syncwarp();
            for (int r = col + 1 + lane; r < k; r += MRVS_WARP)
            {
                const float f = a[r * k + col] / a[col * k + col];
                a[r * k + col] = f;
                for (int c = col + 1; c < k; c++) a[r * k + c] -= f * a[col * k + c];
            }
            __syncwarp();
        }
    __syncthreads();
    for (int c = threadIdx.x; c < d; c += MRVS_BMRW_THREADS) // one right-hand side per thread
    {
        float* uc = u + c;
        for (int col = 0; col < k; col++)
        {
            const int piv = pivot[col];
            if (piv != col)
            {
                const float t = uc[(long long)col * d];
                uc[(long long)col * d] = uc[(long long)piv * d];
                uc[(long long)piv * d] = t;
            }
            for (int r = col + 1; r < k; r++) uc[(long long)r * d] -= a[r * k + col] * uc[(long long)col * d];
        }
        for (int r = k - 1; r >= 0; r--)
        {
            float s = uc[(long long)r * d];
            for (int j = r + 1; j < k; j++) s -= a[r * k + j] * uc[(long long)j * d];
            uc[(long long)r * d] = s / a[r * k + r];
        }
        for (int r = 0; r < k; r++) uc[(long long)r * d] *= 0.5f;
    }
}
MRVS_EXPORT_KERNEL(bmrw)
