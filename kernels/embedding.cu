// embedding: row gather y[i, :] = table[ids[i], :]. Layout: table [V, E], ids int64 [count], y [count, E].
// Ids were range-checked on the host side of the graph build; out-of-range ids write zeros.
// Launch: grid (ceil(count*E / 256)), block (256), one element per thread.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) embedding(const float* __restrict__ table,
    const long long* __restrict__ ids, float* __restrict__ y, long long count, int vocab, int e)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count * e) return;
    const long long id = ids[i / e];
    y[i] = id >= 0 && id < vocab ? table[id * e + i % e] : 0.0f;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(embedding)
