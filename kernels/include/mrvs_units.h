// Copy kernels (permute, slice/concat) move data in units of 1, 2, 4, 8 or 16 bytes, the widest the host found that
// divides the contiguous run and every pointer's alignment: a 16-byte unit is one 128-bit load and store.
#pragma once
#include "mrvs_cuda.h"

// Calls f with a value of the unit type of `bytes` bytes (only its type matters: decltype(u)).
template <typename F>
__device__ __forceinline__ void mrvs_by_unit(int bytes, F f)
{
    switch (bytes)
    {
    case 16: f(uint4{}); break;
    case 8: f(uint2{}); break;
    case 4: f(0u); break;
    case 2: f((unsigned short)0); break;
    default: f((unsigned char)0); break;
    }
}
