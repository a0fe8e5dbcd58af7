// binary: element-wise y = a (op) b with NumPy broadcasting, op in {add, sub, mul, div}.
// Layout: the output [count] row-major over up to 6 axes, after the host dropped axes of size 1 and merged neighbours
// contiguous in both operands (Ops/Binary.cs: a bias over [N, C] rows is 2 axes whatever the rank); strides of a and
// b per output axis (0 where broadcast).
// Launch: grid (ceil(count / 256)), block (256), one element per thread.
// Limits: the axis loop is unrolled over the 6 slots, so the shape struct is read with constant indices from the
// parameter space (no local copy, no stack frame); one 64-bit division per merged axis.
#include "mrvs_cuda.h"

struct mrvs_broadcast
{
    int rank;
    int dims[6];
    long long stride_a[6];
    long long stride_b[6];
};

extern "C" __global__ void __launch_bounds__(256) binary(const float* __restrict__ a, const float* __restrict__ b,
    float* __restrict__ y, long long count, int op, mrvs_broadcast shape)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    long long rem = i, ia = 0, ib = 0;
#pragma unroll
    for (int d = 5; d >= 0; d--)
        if (d < shape.rank)
        {
            const long long c = rem % shape.dims[d];
            rem /= shape.dims[d];
            ia += c * shape.stride_a[d];
            ib += c * shape.stride_b[d];
        }
    const float u = a[ia], v = b[ib];
    y[i] = op == 0 ? u + v : op == 1 ? u - v : op == 2 ? u * v : u / v;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(binary)
