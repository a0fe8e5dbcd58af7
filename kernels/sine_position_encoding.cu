// sine_position_encoding_1d / _2d: normalised sine encodings of a padding mask (bytes, 1 = padded), float32 as
// upstream.
// 1d: mask [B, L] → y [B, F, L], x = c / (c_last + 1e-6) * 2π with c the running count of valid tokens.
// 2d: mask [N, h, w] → y [N, 2F, h, w], (c - 0.5) / (c_last + 1e-6) * 2π per axis, y channels first.
// Channel 2m: sin(x / 10000^(2m/F)); 2m+1: cos of the same. Launch: grid (ceil(positions / 128)), block (128),
// one position per thread (it recounts its row/column: masks are small).
// The angle is kept in units of π and evaluated by sinpif / cospif: their range reduction is exact and short, where
// sinf / cosf carry a Payne-Hanek slow path for huge arguments with a local-memory array (a 32-byte stack frame),
// which these angles (|x| ≤ 2π) never need. The result differs from sin(x) by the rounding of x / π, ~1e-7.
#include "mrvs_cuda.h"

// x_pi: the position's angle x / π (2 · normalised position).
__device__ __forceinline__ void mrvs_encode(float x_pi, int f, float* dst, long long channel_stride)
{
    for (int k = 0; k < f; k++)
    {
        const float v = x_pi / powf(10000.0f, (float)(2 * (k / 2)) / (float)f);
        dst[k * channel_stride] = (k & 1) ? cospif(v) : sinpif(v);
    }
}

extern "C" __global__ void __launch_bounds__(128) sine_position_encoding_1d(const unsigned char* __restrict__ mask,
    float* __restrict__ y, int batch, int len, int f)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)batch * len) return;
    const int j = (int)(i % len), b = (int)(i / len);
    float c = 0.0f, last = 0.0f;
    for (int t = 0; t < len; t++)
    {
        if (!mask[(long long)b * len + t]) last += 1.0f;
        if (t == j) c = last;
    }
    mrvs_encode(c / (last + 1e-6f) * 2.0f, f, y + (long long)b * f * len + j, len);
}

extern "C" __global__ void __launch_bounds__(128) sine_position_encoding_2d(const unsigned char* __restrict__ mask,
    float* __restrict__ y, int n, int h, int w, int f)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)n * h * w) return;
    const int col = (int)(i % w), row = (int)(i / w % h);
    const long long img = i / ((long long)h * w);
    const unsigned char* m = mask + img * h * w;
    float cy = 0.0f, ly = 0.0f, cx = 0.0f, lx = 0.0f;
    for (int r = 0; r < h; r++) { if (!m[(long long)r * w + col]) ly += 1.0f; if (r == row) cy = ly; }
    for (int c = 0; c < w; c++) { if (!m[(long long)row * w + c]) lx += 1.0f; if (c == col) cx = lx; }
    float* base = y + img * 2 * f * h * w + (long long)row * w + col;
    mrvs_encode((cy - 0.5f) / (ly + 1e-6f) * 2.0f, f, base, (long long)h * w);
    mrvs_encode((cx - 0.5f) / (lx + 1e-6f) * 2.0f, f, base + (long long)f * h * w, (long long)h * w);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(sine_position_encoding_1d)
MRVS_EXPORT_INDEPENDENT_KERNEL(sine_position_encoding_2d)
