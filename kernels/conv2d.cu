// conv2d: 2-D convolution as im2col + one batched GEMM. `conv2d` writes the column matrices cols [images, Cin*kh*kw,
// oh*ow] of a chunk of images (zero padding); the backend multiplies the weight [Cout, Cin*kh*kw] by every image's
// column matrix in one strided-batched GEMM (cuBLAS; the weight's batch stride is 0) straight into y [N, Cout, oh*ow];
// `conv2d_bias` adds the per-output-channel bias to all of y in one pass. Images go in chunks as large as a bounded
// column scratch allows (all frames for every conv of SOC / SOC++ but the largest), so a forward issues about three
// launches per convolution instead of two per frame.
// Launch: grid (ceil(elements / 256)), block (256), one element per thread.
// Limits: materialises the column matrix (Cin*kh*kw times the input for a 3x3 conv); an implicit GEMM (CUTLASS's
// im2col-in-the-tile-loader) with the bias in its epilogue is the next step.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) conv2d(const float* __restrict__ x, float* __restrict__ cols,
    int images, int cin, int h, int w,
                                  int kh, int kw, int stride, int padding, int oh, int ow)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long per_image = (long long)cin * kh * kw * oh * ow;
    if (i >= per_image * images) return;
    const int ox = (int)(i % ow), oy = (int)(i / ow % oh);
    const long long r = i % per_image / ((long long)oh * ow);
    const int kx = (int)(r % kw), ky = (int)(r / kw % kh), c = (int)(r / ((long long)kw * kh));
    const long long img = i / per_image;
    const int iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
    cols[i] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((img * cin + c) * h + iy) * w + ix] : 0.0f;
}

extern "C" __global__ void __launch_bounds__(256) conv2d_bias(float* __restrict__ y, const float* __restrict__ bias,
    long long count, long long plane, int cout)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) y[i] += bias[i / plane % cout];
}
MRVS_EXPORT_INDEPENDENT_KERNEL(conv2d)
MRVS_EXPORT_INDEPENDENT_KERNEL(conv2d_bias)
