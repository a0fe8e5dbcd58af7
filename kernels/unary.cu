// unary: element-wise y = f(x) for f in {relu, gelu (erf), sigmoid, tanh, inverse_sigmoid (eps 1e-5), alpha*x + beta}.
// Layout: x, y [count]. Launch: grid (ceil(count / 256)), block (256), one element per thread.
#include "mrvs_cuda.h"

// Same numbering as MRVS.Core.Graph.Ops.UnaryKind.
enum { MRVS_RELU = 0, MRVS_GELU = 1, MRVS_SIGMOID = 2, MRVS_TANH = 3, MRVS_INVERSE_SIGMOID = 4, MRVS_AFFINE = 5 };

__device__ __forceinline__ float mrvs_unary(int kind, float v, float alpha, float beta)
{
    switch (kind)
    {
    case MRVS_RELU: return v > 0.0f ? v : 0.0f;
    case MRVS_GELU: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    case MRVS_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case MRVS_TANH: return tanhf(v);
    case MRVS_INVERSE_SIGMOID:
    {
        v = fminf(fmaxf(v, 0.0f), 1.0f);
        return logf(fmaxf(v, 1e-5f) / fmaxf(1.0f - v, 1e-5f));
    }
    default: return alpha * v + beta;
    }
}

extern "C" __global__ void __launch_bounds__(256) unary(const float* __restrict__ x, float* __restrict__ y,
    long long count, int kind, float alpha, float beta)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) y[i] = mrvs_unary(kind, x[i], alpha, beta);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(unary)
