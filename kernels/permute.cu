// permute: y = x.permute(perm), after the host merged the axes that stay adjacent and dropped those of size 1
// (Ops/Permute.cs), in one of two forms: permute_transpose, a batched 2-D transpose y [B, C, A] = x [B, A, C]
// (channels first ↔ channels last, the models' permutes), and permute, any other order of up to 6 axes.
// Layout: permute: y [count units] row-major with dims out_dims; src_stride[d] is the input stride (units) of output
// axis d; units of unit_bytes (mrvs_units.h): when the innermost axis stays innermost, runs of it move as units of up
// to 16 bytes, otherwise one element.
// Launch: permute_transpose grid (ceil(C / 32), ceil(A / 32), B), block (32, 8): a 32×32 tile through shared memory
// (one column of padding: no bank conflicts), each thread moving 4 elements, reads and writes both coalesced;
// permute grid (ceil(count / 256)), block (256), one unit per thread.
// Limits: the general form reads strided (a sector per unit when the innermost axis moves); elements of 1, 2, 4
// or 8 bytes; B ≤ 65535 and A ≤ 65535·32 for the transpose (the host falls back to the general form).
// Borrows: the shared-memory tiled transpose of NVIDIA's "efficient matrix transpose" (padding against bank conflicts).
#include "mrvs_units.h"

#define MRVS_TRANSPOSE_TILE 32
#define MRVS_TRANSPOSE_ROWS 8

struct mrvs_permutation
{
    int rank;
    int out_dims[6];
    long long src_stride[6];
};

extern "C" __global__ void __launch_bounds__(256) permute(const unsigned char* __restrict__ x,
    unsigned char* __restrict__ y, long long count, int unit_bytes,
                                   mrvs_permutation p)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    long long rem = i, src = 0;
#pragma unroll
    for (int d = 5; d >= 0; d--) // unrolled: constant indices keep p in the parameter space, not a local copy
        if (d < p.rank)
        {
            src += rem % p.out_dims[d] * p.src_stride[d];
            rem /= p.out_dims[d];
        }
    mrvs_by_unit(unit_bytes, [&](auto u) {
        using T = decltype(u);
        reinterpret_cast<T*>(y)[i] = reinterpret_cast<const T*>(x)[src];
    });
}
MRVS_EXPORT_INDEPENDENT_KERNEL(permute)

extern "C" __global__ void __launch_bounds__(256) permute_transpose(const unsigned char* __restrict__ x,
    unsigned char* __restrict__ y, int rows, int cols,
                                                                    int element_bytes)
{
    __shared__ unsigned long long storage[MRVS_TRANSPOSE_TILE * (MRVS_TRANSPOSE_TILE + 1)];
    const long long batch = (long long)blockIdx.z * rows * cols;
    const int c0 = blockIdx.x * MRVS_TRANSPOSE_TILE, a0 = blockIdx.y * MRVS_TRANSPOSE_TILE;
    mrvs_by_unit(element_bytes, [&](auto u) {
        using T = decltype(u);
        T* tile = reinterpret_cast<T*>(storage);
        const T* src = reinterpret_cast<const T*>(x) + batch;
        T* dst = reinterpret_cast<T*>(y) + batch;
        for (int r = threadIdx.y; r < MRVS_TRANSPOSE_TILE; r += MRVS_TRANSPOSE_ROWS)
            if (a0 + r < rows && c0 + threadIdx.x < cols)
                tile[r * (MRVS_TRANSPOSE_TILE + 1) + threadIdx.x] = src[(long long)(a0 + r) * cols + c0 + threadIdx.x];
        __syncthreads();
        for (int r = threadIdx.y; r < MRVS_TRANSPOSE_TILE; r += MRVS_TRANSPOSE_ROWS)
            if (c0 + r < cols && a0 + threadIdx.x < rows)
                dst[(long long)(c0 + r) * rows + a0 + threadIdx.x] = tile[threadIdx.x * (MRVS_TRANSPOSE_TILE + 1) + r];
    });
}
MRVS_EXPORT_KERNEL(permute_transpose)
