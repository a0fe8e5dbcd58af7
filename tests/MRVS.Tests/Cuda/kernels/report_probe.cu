// report_probe: test-only kernel with resources known in advance, for mrvs kernels report (KernelReportTests.cs):
// 1000 floats of static shared memory (4000 bytes), dynamic shared memory (not in ptxas's figures) and a local
// array of 100 floats indexed at run time, which cannot live in registers (a 400-byte stack frame).
// Launch: grid (any), block (64), 64 floats of dynamic shared memory.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(64) test_report_probe(const int* index, float* out)
{
    __shared__ float tile[1000];
    MRVS_DYNAMIC_SMEM(float, staged);
    float local[100];
    for (int i = 0; i < 100; i++) local[i] = out[i] * i;
    for (int i = threadIdx.x; i < 1000; i += blockDim.x) tile[i] = local[index[i] % 100];
    __syncthreads();
    staged[threadIdx.x] = tile[(threadIdx.x * 7) % 1000];
    __syncthreads();
    out[threadIdx.x] = staged[63 - threadIdx.x];
}
MRVS_EXPORT_KERNEL(test_report_probe)
