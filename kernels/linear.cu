// linear: the epilogue of a Linear after the GEMM (cuBLAS, or the CPU GEMM in emulation): y = act(y + bias) + residual
// in place, bias broadcast over rows. Layout: y and residual [rows, n], bias [n]; bias and residual may be null.
// act: 0 none, 1 relu, 2 gelu (erf), 3 sigmoid, 4 tanh (MRVS.Core.Graph.Ops.Activation). The residual comes from the
// graph fusion pass (a Linear followed by an add), added last as the separate add did. Only for the forms the GEMM's
// own epilogue (cuBLASLt) cannot apply, chosen in src/MRVS.Backends.Cuda/Ops/Linear.cs: the exact erf GELU
// (cuBLASLt's is the tanh approximation), sigmoid, tanh, and an activation followed by a residual.
// Launch: grid (ceil(rows*n / 256)), block (256), one element per thread.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) linear(float* __restrict__ y, const float* __restrict__ bias,
                                                         const float* __restrict__ residual, long long count, int n,
                                                         int act)
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
    y[i] = residual ? v + residual[i] : v;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(linear)
