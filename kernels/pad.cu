// pad: zero padding at the end of each axis (up to 6). Layout: x [in_dims] row-major, y [out_dims] row-major, after
// the host dropped axes of size 1 and merged each axis with an unpadded inner neighbour (Ops/Pad.cs).
// Launch: grid (ceil(count(y) / 256)), block (256): one output element per thread (zero when outside x).
// Limits: the axis loop is unrolled over the 6 slots, so the shape struct is read with constant indices from the
// parameter space (no local copy, no stack frame).
#include "mrvs_cuda.h"

struct mrvs_pad_shape
{
    int rank;
    int in_dims[6];
    int out_dims[6];
};

extern "C" __global__ void __launch_bounds__(256) pad(const unsigned char* __restrict__ x,
    unsigned char* __restrict__ y, long long count, int element_bytes, mrvs_pad_shape s)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    long long rem = i, src = 0, stride = 1;
    bool inside = true;
#pragma unroll
    for (int d = 5; d >= 0; d--)
        if (d < s.rank)
        {
            const int c = (int)(rem % s.out_dims[d]);
            rem /= s.out_dims[d];
            inside = inside && c < s.in_dims[d];
            src += c * stride;
            stride *= s.in_dims[d];
        }
    for (int k = 0; k < element_bytes; k++) y[i * element_bytes + k] = inside ? x[src * element_bytes + k] : 0;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(pad)
