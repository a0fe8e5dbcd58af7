// conv2d: 2-D convolution as im2col + GEMM. `conv2d` writes the column matrix cols [Cin*kh*kw, oh*ow] of one image
// (zero padding); the backend multiplies it by the weight [Cout, Cin*kh*kw] (cuBLAS); `conv2d_bias` adds the
// per-output-channel bias to y [Cout, oh*ow]. Launch: grid (ceil(elements / 256)), block (256), one element per thread.
// Limits: materialises the column matrix (implicit GEMM is the next step for the 3×3 FPN convs).
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) conv2d(const float* __restrict__ x, float* __restrict__ cols, int cin, int h, int w, int kh, int kw,
                                  int stride, int padding, int oh, int ow)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long total = (long long)cin * kh * kw * oh * ow;
    if (i >= total) return;
    const int ox = (int)(i % ow), oy = (int)(i / ow % oh);
    const long long r = i / ((long long)oh * ow);
    const int kx = (int)(r % kw), ky = (int)(r / kw % kh), c = (int)(r / ((long long)kw * kh));
    const int iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
    cols[i] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((long long)c * h + iy) * w + ix] : 0.0f;
}

extern "C" __global__ void __launch_bounds__(256) conv2d_bias(float* __restrict__ y, const float* __restrict__ bias, long long count, long long plane, int cout)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) y[i] += bias[i / plane % cout];
}
MRVS_EXPORT_INDEPENDENT_KERNEL(conv2d)
MRVS_EXPORT_INDEPENDENT_KERNEL(conv2d_bias)
