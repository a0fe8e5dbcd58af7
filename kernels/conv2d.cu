// conv2d: 2-D convolution with zero padding as one implicit GEMM over all images, the bias added in the epilogue:
// y[img, n, p] = b[n] + Σ_k W[n, k]·col(img, p)[k], k = (c, ky, kx) over Cin·kh·kw, p = (oy, ox) an output pixel.
// The GEMM's M is the output pixels of every image (img, oy, ox), N the output channels, K = Cin·kh·kw; the column
// matrix is never written: each block gathers its tile of it from x while staging the tile in shared memory
// (CUTLASS's implicit GEMM: the im2col happens in the tile loader), so a conv reads x and W and writes y in one launch.
// Layout: x [images, Cin, H, W], W [Cout, Cin, kh, kw] (= [Cout, K] row-major), b [Cout] or null, y [images, Cout,
// OH, OW]; stride and padding equal on both axes (Conv2dOp), no groups or dilation (no released model has them).
// Launch: conv2d_BN (BN = 8, 16, 32, 64 output channels per block: of those no wider than the smallest ≥ Cout, the
// one whose launch reads the fewest bytes, W once per pixel tile plus x once per channel tile; Ops/Conv2d.cs), grid
// (ceil(M / BM), ceil(Cout / BN)), block (256). Every tile holds 4096 outputs (BM = 4096 / BN pixels), 4 pixels × 4
// channels in registers per thread, so the FPN's 16- and 8-channel convs waste no lanes on channels they lack.
// K advances in steps of BK (16; 8 for the 512-pixel tile, to stay under 48 KiB of shared memory): the next step's
// gather goes to registers while the current step's tile is multiplied from shared memory, then is stored into the
// other of two buffers (double buffering, one barrier per step). The (c, ky, kx) of a column row and the
// (img, oy, ox) of a pixel come from multiply-high divisions (CUTLASS's FastDivmod), the pixels' once per thread.
// Limits: FP32 on CUDA cores in every precision (the convs are ≈ 3 % of SOC++'s FLOPs); a block reads the W rows of
// its channels, so W is read once per pixel tile (from L2 on a GPU; the reason for narrow channel tiles on convs with
// a large W and few pixels); 4 multiply-adds per shared-memory load.
// M = images·OH·OW, K and x's elements below 2^31.
// conv2d_bias: y[img, n, p] += b[n] after the backend's GEMM, which takes the 1×1 stride-1 convolutions (a plain GEMM
// on x in place, cuBLAS's efficiency and tensor cores in fp16/bf16). Launch: grid (ceil(elements / 256)), block
// (256), one element per thread.
#include "mrvs_cuda.h"

#define MRVS_CONV_THREADS 256 // as the entry points' __launch_bounds__
#define MRVS_CONV_OUTPUTS 4096

// n / d for 0 ≤ n < 2^31, d ≥ 1, by a multiply-high and a shift (Granlund–Montgomery's round-up method).
struct mrvs_divider
{
    unsigned int mul;
    int shift;

    __device__ explicit mrvs_divider(int d) : shift(0)
    {
        while ((1 << shift) < d) shift++;
        mul = (unsigned int)((((1ull << shift) - (unsigned long long)d) << 32) / (unsigned long long)d + 1);
    }

    __device__ __forceinline__ int operator()(int n) const
    {
        const unsigned long long high = ((unsigned long long)(unsigned int)n * mul) >> 32;
        return (int)((high + (unsigned int)n) >> shift);
    }
};

template <int BN>
__device__ __forceinline__ void conv2d_tile(const float* __restrict__ x, const float* __restrict__ w,
                                            const float* __restrict__ bias, float* __restrict__ y, int images,
                                            int cin, int h, int wd, int cout, int kh, int kw, int stride, int padding,
                                            int oh, int ow)
{
    constexpr int T = MRVS_CONV_THREADS, BM = MRVS_CONV_OUTPUTS / BN, BK = BM > 256 ? 8 : 16;
    // Gather: a thread loads A_M pixels (tile columns) of A_K column rows per step, consecutive threads consecutive
    // pixels (coalesced along an input row at stride 1).
    constexpr int COLS = BM < T ? BM : T, A_M = BM / COLS, KSTEP = T / COLS, A_K = BK / KSTEP;
    // Weights: B_PER elements of the step's BK × BN slice per thread, k fastest (runs of BK floats of a W row).
    constexpr int B_PER = (BK * BN + T - 1) / T, BS = BN + 4; // padded rows: the transposed stores hit distinct banks
    // Products: thread (tx, ty) owns pixels 4·tx … 4·tx + 3 and channels 4·ty … 4·ty + 3 of the tile.
    constexpr int TX = BM / 4;
    __align__(16) __shared__ float as[2][BK][BM];
    __align__(16) __shared__ float bs[2][BK][BS];

    const int t = threadIdx.x, plane = oh * ow, khw = kh * kw, depth = cin * khw, hw = h * wd;
    const int pixels = images * plane, m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
    const mrvs_divider by_khw(khw), by_kw(kw), by_plane(plane), by_ow(ow);

    // The pixels this thread gathers: where their window's top-left corner lies in x (possibly in the padding).
    int corner[A_M], iy0[A_M], ix0[A_M];
#pragma unroll
    for (int j = 0; j < A_M; j++)
    {
        const int m = m0 + t % COLS + j * COLS, img = by_plane(m), p = m - img * plane, oy = by_ow(p);
        const bool live = m < pixels;
        iy0[j] = live ? oy * stride - padding : -(1 << 30); // a pixel past the last gathers zeros
        ix0[j] = (p - oy * ow) * stride - padding;
        corner[j] = live ? img * cin * hw + iy0[j] * wd + ix0[j] : 0;
    }
    const int k_first = t / COLS, tx = t % TX, ty = t / TX, steps = (depth + BK - 1) / BK;
    float a_next[A_K][A_M] = {}, b_next[B_PER] = {}, acc[4][4] = {};

    // Step s gathers K step s into registers, multiplies step s − 1 from shared memory meanwhile, then stages step s
    // into the buffer step s − 1 did not use (read last in step s − 2, before the previous barrier).
    for (int s = 0; s <= steps; s++)
    {
        const int k0 = s * BK;
        if (s < steps)
        {
#pragma unroll
            for (int i = 0; i < A_K; i++)
            {
                const int k = k0 + k_first + i * KSTEP, c = by_khw(k), r = k - c * khw, ky = by_kw(r);
                const int kx = r - ky * kw, offset = c * hw + ky * wd + kx;
#pragma unroll
                for (int j = 0; j < A_M; j++)
                {
                    const bool inside = k < depth && (unsigned)(iy0[j] + ky) < (unsigned)h
                        && (unsigned)(ix0[j] + kx) < (unsigned)wd;
                    a_next[i][j] = inside ? x[corner[j] + offset] : 0.0f;
                }
            }
#pragma unroll
            for (int i = 0; i < B_PER; i++)
            {
                const int e = t + i * T, k = k0 + e % BK, n = n0 + e / BK;
                b_next[i] = e < BK * BN && k < depth && n < cout ? w[(long long)n * depth + k] : 0.0f;
            }
        }
        if (s > 0)
        {
            const int buffer = (s - 1) & 1;
#pragma unroll
            for (int k = 0; k < BK; k++)
            {
                const float4 a = *reinterpret_cast<const float4*>(&as[buffer][k][4 * tx]);
                const float4 b = *reinterpret_cast<const float4*>(&bs[buffer][k][4 * ty]);
                const float av[4] = {a.x, a.y, a.z, a.w}, bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
                for (int i = 0; i < 4; i++)
#pragma unroll
                    for (int j = 0; j < 4; j++) acc[i][j] += av[i] * bv[j];
            }
        }
        if (s < steps)
        {
            const int buffer = s & 1;
#pragma unroll
            for (int i = 0; i < A_K; i++)
#pragma unroll
                for (int j = 0; j < A_M; j++) as[buffer][k_first + i * KSTEP][t % COLS + j * COLS] = a_next[i][j];
#pragma unroll
            for (int i = 0; i < B_PER; i++)
            {
                const int e = t + i * T;
                if (e < BK * BN) bs[buffer][e % BK][e / BK] = b_next[i];
            }
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 4; i++)
    {
        const int m = m0 + 4 * tx + i;
        if (m >= pixels) break;
        const int img = by_plane(m), p = m - img * plane;
        float* out = y + (long long)img * cout * plane + p;
#pragma unroll
        for (int j = 0; j < 4; j++)
        {
            const int n = n0 + 4 * ty + j;
            if (n < cout) out[(long long)n * plane] = acc[i][j] + (bias ? bias[n] : 0.0f);
        }
    }
}

// One entry point per channel tile BN (the host's choice, see the header); 4 blocks per SM.
extern "C" __global__ void __launch_bounds__(256, 4) conv2d_8(const float* __restrict__ x,
    const float* __restrict__ w, const float* __restrict__ bias, float* __restrict__ y, int images, int cin, int h,
    int wd, int cout, int kh, int kw, int stride, int padding, int oh, int ow)
{
    conv2d_tile<8>(x, w, bias, y, images, cin, h, wd, cout, kh, kw, stride, padding, oh, ow);
}
MRVS_EXPORT_KERNEL(conv2d_8)

extern "C" __global__ void __launch_bounds__(256, 4) conv2d_16(const float* __restrict__ x,
    const float* __restrict__ w, const float* __restrict__ bias, float* __restrict__ y, int images, int cin, int h,
    int wd, int cout, int kh, int kw, int stride, int padding, int oh, int ow)
{
    conv2d_tile<16>(x, w, bias, y, images, cin, h, wd, cout, kh, kw, stride, padding, oh, ow);
}
MRVS_EXPORT_KERNEL(conv2d_16)

extern "C" __global__ void __launch_bounds__(256, 4) conv2d_32(const float* __restrict__ x,
    const float* __restrict__ w, const float* __restrict__ bias, float* __restrict__ y, int images, int cin, int h,
    int wd, int cout, int kh, int kw, int stride, int padding, int oh, int ow)
{
    conv2d_tile<32>(x, w, bias, y, images, cin, h, wd, cout, kh, kw, stride, padding, oh, ow);
}
MRVS_EXPORT_KERNEL(conv2d_32)

extern "C" __global__ void __launch_bounds__(256, 4) conv2d_64(const float* __restrict__ x,
    const float* __restrict__ w, const float* __restrict__ bias, float* __restrict__ y, int images, int cin, int h,
    int wd, int cout, int kh, int kw, int stride, int padding, int oh, int ow)
{
    conv2d_tile<64>(x, w, bias, y, images, cin, h, wd, cout, kh, kw, stride, padding, oh, ow);
}
MRVS_EXPORT_KERNEL(conv2d_64)

extern "C" __global__ void __launch_bounds__(256) conv2d_bias(float* __restrict__ y, const float* __restrict__ bias,
    long long count, long long plane, int cout)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) y[i] += bias[i / plane % cout];
}
MRVS_EXPORT_INDEPENDENT_KERNEL(conv2d_bias)
