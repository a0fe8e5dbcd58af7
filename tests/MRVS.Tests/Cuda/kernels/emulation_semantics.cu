// emulation_semantics: test-only kernels that pin down the CUDA semantics the emulation (kernels/include/mrvs_emu.h)
// must reproduce: built-in indices, warp shuffles and votes, block barriers with shared memory (static and
// dynamic), atomics and the math functions kernels use. EmulationSemanticsTests.cs computes what CUDA defines.
// Launch: each kernel states its own; all compile with NVRTC too, so they stay real CUDA. Kernels whose threads
// never synchronise are exported as independent, so both ways the emulation runs blocks are covered.
#include "mrvs_cuda.h"

// Launch: any grid and block. out[4 · global thread]: blockIdx, threadIdx, blockDim, gridDim, each packed x | y << 8 |
// z << 16.
extern "C" __global__ void test_indices(unsigned int* out)
{
    const unsigned int block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    const unsigned int thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    unsigned int* o = out + 4 * (block * blockDim.x * blockDim.y * blockDim.z + thread);
    o[0] = blockIdx.x | blockIdx.y << 8 | blockIdx.z << 16;
    o[1] = threadIdx.x | threadIdx.y << 8 | threadIdx.z << 16;
    o[2] = blockDim.x | blockDim.y << 8 | blockDim.z << 16;
    o[3] = gridDim.x | gridDim.y << 8 | gridDim.z << 16;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(test_indices)

// Launch: grid (1), block (n), n a multiple of 32. in [n], 0 ≤ in < 2^18 (warp sums exact in float); out [10, n]: the
// shuffles below, in order.
extern "C" __global__ void test_shuffles(const int* in, int* out)
{
    const int t = threadIdx.x, n = blockDim.x, lane = t % 32, v = in[t];
    const unsigned int all = 0xffffffffu;
    out[0 * n + t] = __shfl_sync(all, v, (lane * 7 + 3) % 32);
    out[1 * n + t] = __shfl_xor_sync(all, v, 5);
    out[2 * n + t] = __shfl_down_sync(all, v, 3);
    out[3 * n + t] = __shfl_up_sync(all, v, 3);
    out[4 * n + t] = __shfl_sync(all, v, 9, 8);
    out[5 * n + t] = __shfl_down_sync(all, v, 2, 8);
    out[6 * n + t] = __shfl_up_sync(all, v, 2, 8);
    out[7 * n + t] = __shfl_xor_sync(all, v, 12, 8);
    const long long wide = __shfl_sync(all, (long long)v << 33 | lane, 31 - lane);
    out[8 * n + t] = (int)(wide >> 33) + (int)(wide & 0xffffffff);
    out[9 * n + t] = (int)mrvs_warp_sum((float)v);
}
MRVS_EXPORT_KERNEL(test_shuffles)

// Launch: grid (1), block (n), n a multiple of 32. predicate [n]; out [4, n]: ballot, any, all, popc(ballot).
extern "C" __global__ void test_votes(const int* predicate, unsigned int* out)
{
    const int t = threadIdx.x, n = blockDim.x, p = predicate[t];
    const unsigned int ballot = __ballot_sync(0xffffffffu, p);
    out[0 * n + t] = ballot;
    out[1 * n + t] = __any_sync(0xffffffffu, p);
    out[2 * n + t] = __all_sync(0xffffffffu, p);
    out[3 * n + t] = __popc(ballot);
}
MRVS_EXPORT_KERNEL(test_votes)

// Launch: grid (blocks), block (n ≤ 1024, any n), dynamic shared memory n ints. Threads from `active` on exit at
// once; the others pass values around the block for `rounds` rounds through static and dynamic shared memory, so
// every result depends on each barrier holding back the block's fastest threads. out [blocks, n] (0 for exited).
extern "C" __global__ void test_barrier(int* out, int active, int rounds)
{
    __shared__ int ring[1024];
    MRVS_DYNAMIC_SMEM(int, mirror);
    const int t = threadIdx.x, block = blockIdx.x;
    out[block * blockDim.x + t] = 0;
    if (t >= active) return;
    int value = t + 1000 * block;
    for (int r = 0; r < rounds; r++)
    {
        ring[t] = value;
        mirror[active - 1 - t] = value;
        __syncthreads();
        value = ring[(t + 7 * r + 1) % active] - mirror[t] + r;
        __syncthreads();
    }
    out[block * blockDim.x + t] = value;
}
MRVS_EXPORT_KERNEL(test_barrier)

// Launch: grid-stride, any grid and block; values ≥ 0, float_sum and counters zeroed. float_sum: the sum of values;
// counters: [0] their int sum, [1] their max, [2] a count kept by a CAS loop, [3] a count whose old values are the
// tickets, so tickets [n] is a permutation of 0..n-1.
extern "C" __global__ void test_atomics(const int* values, int n, float* float_sum, int* counters, int* tickets)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    {
        atomicAdd(float_sum, (float)values[i]);
        atomicAdd(&counters[0], values[i]);
        atomicMax(&counters[1], values[i]);
        int old = counters[2], assumed;
        do
        {
            assumed = old;
            old = atomicCAS(&counters[2], assumed, assumed + 1);
        } while (old != assumed);
        tickets[i] = atomicAdd(&counters[3], 1);
    }
}
MRVS_EXPORT_INDEPENDENT_KERNEL(test_atomics)

// Launch: grid (ceil(n / 128)), block (128). out [12, n]: the math functions kernels use, in the order below.
extern "C" __global__ void test_math(const float* x, float* out, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const float v = x[i], a = fabsf(v);
    const float results[12] = {expf(v), logf(a + 0.5f), sqrtf(a), rsqrtf(a + 0.1f), erff(v), tanhf(v), fmaxf(v, 0.25f),
                               fminf(v, 0.25f), floorf(v), __expf(v), fmaf(v, 3.0f, 0.5f), __fdividef(v, 3.0f)};
    for (int k = 0; k < 12; k++) out[k * n + i] = results[k];
}
MRVS_EXPORT_INDEPENDENT_KERNEL(test_math)
