// slice: y = x[..., start : start + length*step : step, ...] along one axis.
// Layout: x [outer, axis_in, inner], y [outer, length, inner], inner =
// inner_units units of unit_bytes (mrvs_units.h: the widest of 16, 8, 4, 2, 1 bytes dividing the inner run's bytes and
// both pointers' alignment, so float rows of 4 or more move 128 bits at a time).
// Launch: grid (ceil(outer*length*inner_units / 256)), block (256), one unit per thread.
// Limits: a pure copy, bandwidth-bound; reads and writes are contiguous within each inner run.
#include "mrvs_units.h"

extern "C" __global__ void __launch_bounds__(256) slice(const unsigned char* __restrict__ x,
    unsigned char* __restrict__ y, long long outer, int axis_in, int start, int length, int step,
    long long inner_units, int unit_bytes)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= outer * length * inner_units) return;
    const long long unit = i % inner_units, row = i / inner_units;
    const long long a = row % length, o = row / length;
    mrvs_by_unit(unit_bytes, [&](auto u) {
        using T = decltype(u);
        reinterpret_cast<T*>(y)[i] =
            reinterpret_cast<const T*>(x)[(o * axis_in + start + a * step) * inner_units + unit];
    });
}
MRVS_EXPORT_INDEPENDENT_KERNEL(slice)
