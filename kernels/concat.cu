// concat: y = cat(x_0, ..., x_{n-1}) along one axis, up to 8 inputs per launch (more are a launch per 8).
// Layout: each x_k [outer, rows_k, inner], y [outer, axis_out, inner]; input k fills y's rows [begin[k], begin[k+1]).
// inner = inner_units units of unit_bytes (mrvs_units.h: the widest of 16, 8, 4, 2, 1 bytes dividing the inner run's
// bytes and every pointer's alignment).
// Launch: grid (ceil(outer*span*inner_units / 256)), block (256) with span = begin[n] - begin[0] (an argument of its
// own: indexing the table by n would copy it to local memory), one output unit per thread: the
// table of input pointers and row ranges travels by value and is read with constant indices (the input loop is
// unrolled), so it stays in the parameter space: no local copy, no stack frame.
// Limits: a pure copy, bandwidth-bound: every input read once, the output written once, reads and writes contiguous
// within each inner run.
#include "mrvs_units.h"

#define MRVS_CONCAT_INPUTS 8

// Sizes spelled out: the host checks launches against this layout (Kernels/KernelSignatures.cs), which takes
// scalars and arrays of literal size, so the input addresses travel as integers. begin: rows of y's axis, begin[n]
// the end of the last input.
struct mrvs_concat_inputs
{
    unsigned long long x[8];
    int begin[9];
    int n;
};

extern "C" __global__ void __launch_bounds__(256) concat(unsigned char* __restrict__ y, long long outer,
    long long inner_units, int axis_out, int span, int unit_bytes, mrvs_concat_inputs in)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= outer * span * inner_units) return;
    const long long unit = i % inner_units, row = i / inner_units;
    const int a = in.begin[0] + (int)(row % span);
    const long long o = row / span;
    const unsigned char* src = nullptr;
    long long src_unit = 0;
#pragma unroll
    for (int k = 0; k < MRVS_CONCAT_INPUTS; k++)
        if (k < in.n && a >= in.begin[k] && a < in.begin[k + 1])
        {
            src = reinterpret_cast<const unsigned char*>(in.x[k]);
            src_unit = (o * (in.begin[k + 1] - in.begin[k]) + a - in.begin[k]) * inner_units + unit;
        }
    mrvs_by_unit(unit_bytes, [&](auto u) {
        using T = decltype(u);
        reinterpret_cast<T*>(y)[(o * axis_out + a) * inner_units + unit] = reinterpret_cast<const T*>(src)[src_unit];
    });
}
MRVS_EXPORT_INDEPENDENT_KERNEL(concat)
