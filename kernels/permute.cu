// permute: y = x.permute(perm) for up to 6 axes and elements of 1, 2, 4 or 8 bytes.
// Layout: y [count] row-major with dims out_dims; src_stride[d] is the input stride (elements) of output axis d.
// Launch: grid (ceil(count / 256)), block (256), one element per thread.
#include "mrvs_cuda.h"

struct mrvs_permutation
{
    int rank;
    int out_dims[6];
    long long src_stride[6];
};

extern "C" __global__ void __launch_bounds__(256) permute(const unsigned char* __restrict__ x, unsigned char* __restrict__ y, long long count, int element_bytes,
                                   mrvs_permutation p)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    long long rem = i, src = 0;
    for (int d = p.rank - 1; d >= 0; d--)
    {
        src += rem % p.out_dims[d] * p.src_stride[d];
        rem /= p.out_dims[d];
    }
    for (int k = 0; k < element_bytes; k++) y[i * element_bytes + k] = x[src * element_bytes + k];
}
MRVS_EXPORT_INDEPENDENT_KERNEL(permute)
