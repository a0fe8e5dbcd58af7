// half_conversion: test-only kernels for kernels/include/mrvs_half.h. Widening: every one of the 65536 bit patterns;
// narrowing: any floats to half and bfloat16 (HalfConversionTests.cs compares with System.Half and exact rounding).
// Launch: grid (ceil(n / 256)), block (256), one element per thread.
#include "mrvs_half.h"

extern "C" __global__ void test_widen(const unsigned short* bits, float* from_half, float* from_bf16, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    from_half[i] = mrvs_half_to_float(mrvs_half{bits[i]});
    from_bf16[i] = mrvs_bf16_to_float(mrvs_bf16{bits[i]});
}
MRVS_EXPORT_INDEPENDENT_KERNEL(test_widen)

extern "C" __global__ void test_narrow(const float* x, mrvs_half* to_half, mrvs_bf16* to_bf16, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    to_half[i] = mrvs_float_to_half(x[i]);
    to_bf16[i] = mrvs_float_to_bf16(x[i]);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(test_narrow)
