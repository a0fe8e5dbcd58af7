// slice: y = x[..., start : start + length*step : step, ...] along one axis; also used by concat to copy each input
// into its place (dst_offset, dst_axis). Layout: x [outer, axis_in, inner], y [outer, axis_out, inner] (bytes of
// inner = inner_bytes). Launch: grid (ceil(outer*length*inner_bytes / 256)), block (256), one byte per thread.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) slice(const unsigned char* __restrict__ x, unsigned char* __restrict__ y, long long outer, int axis_in, int start,
                                 int length, int step, long long inner_bytes, int axis_out, int dst_offset)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= outer * length * inner_bytes) return;
    const long long byte = i % inner_bytes, row = i / inner_bytes;
    const long long a = row % length, o = row / length;
    y[(o * axis_out + dst_offset + a) * inner_bytes + byte] = x[(o * axis_in + start + a * step) * inner_bytes + byte];
}
MRVS_EXPORT_INDEPENDENT_KERNEL(slice)
