// roberta_position_ids: position ids from token ids, cumsum(ids != pad) * (ids != pad) + pad, as Hugging Face RoBERTa.
// Layout: ids, y int64 [B, L]. Launch: grid (1), block (B <= 1024 threads): one sentence per thread.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(MRVS_AT_MOST(1024)) roberta_position_ids(const long long* __restrict__ ids,
    long long* __restrict__ y, int batch, int len, int pad)
{
    const int b = threadIdx.x;
    if (b >= batch) return;
    long long count = 0;
    for (int j = 0; j < len; j++)
    {
        const bool real = ids[(long long)b * len + j] != pad;
        if (real) count++;
        y[(long long)b * len + j] = (real ? count : 0) + pad;
    }
}
MRVS_EXPORT_INDEPENDENT_KERNEL(roberta_position_ids)
