// linear: the epilogue of a Linear after the GEMM (cuBLAS, or the CPU GEMM in emulation): out = act(y + bias) +
// residual, bias broadcast over rows; out is y itself (in place, float32) or, for a value that only a GEMM reads in the
// backend's fp16 / bf16 mode (the feed-forward's hidden), a separate 16-bit tensor: type (mrvs_half.h) 0 float32, 1
// half, 2 bfloat16, rounded once as it is stored, as cast_narrow would round it. Layout: y, out and residual
// [rows, n], bias [n]; bias and residual may be null.
// act: 0 none, 1 relu, 2 gelu (erf), 3 sigmoid, 4 tanh (MRVS.Core.Graph.Ops.Activation). The residual comes from the
// graph fusion pass (a Linear followed by an add), added last as the separate add did. Only for the forms the GEMM's
// own epilogue (cuBLASLt) cannot apply, chosen in src/MRVS.Backends.Cuda/Ops/Linear.cs: the exact erf GELU
// (cuBLASLt's is the tanh approximation), sigmoid, tanh, and an activation followed by a residual.
// Launch: grid (ceil(rows*n / 256)), block (256), one element per thread.
#include "mrvs_cuda.h"
#include "mrvs_half.h"

// y and out may be the same memory (no __restrict__): each thread reads its element before it writes it.
extern "C" __global__ void __launch_bounds__(256) linear(const float* y, const float* __restrict__ bias,
                                                         const float* __restrict__ residual, void* out,
                                                         long long count, int n, int act, int type)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    float v = y[i] + (bias ? bias[i % n] : 0.0f);
    switch (act)
    {
    case 1: v = v > 0.0f ? v : 0.0f; break;
    case 2: v = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); break;
    case 3: v = 1.0f / (1.0f + expf(-v)); break;
    case 4: v = tanhf(v); break;
    default: break;
    }
    mrvs_store(out, i, residual ? v + residual[i] : v, type);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(linear)
