// Half (IEEE binary16) and bfloat16 storage types with conversions to and from float, because NVRTC without the
// CUDA toolkit has no cuda_fp16.h / cuda_bf16.h. Narrowing rounds to nearest even, overflows to infinity and keeps
// NaN a NaN; widening is exact. Under NVRTC the conversions are single cvt instructions (bf16 narrowing needs
// sm_80); the emulation and older architectures use the equivalent bit manipulation.
#pragma once
#include "mrvs_cuda.h"

struct mrvs_half
{
    unsigned short bits;
};

struct mrvs_bf16
{
    unsigned short bits;
};

__device__ __forceinline__ unsigned short mrvs_float_to_half_bits(float f)
{
    const unsigned int x = __float_as_uint(f), sign = (x >> 16) & 0x8000u, abs = x & 0x7fffffffu;
    if (abs >= 0x7f800000u) return (unsigned short)(sign | (abs > 0x7f800000u ? 0x7e00u : 0x7c00u));
    if (abs >= 0x477ff000u) return (unsigned short)(sign | 0x7c00u); // 65520 and above round to infinity
    if (abs < 0x33000000u) return (unsigned short)sign;               // below 2^-25: rounds to zero
    unsigned int h, rest, halfway;
    if (abs < 0x38800000u)
    {
        // Subnormal half: the float's 24-bit significand shifted down to units of 2^-24.
        const unsigned int significand = (abs & 0x7fffffu) | 0x800000u, shift = 126u - (abs >> 23);
        h = significand >> shift;
        rest = significand & ((1u << shift) - 1u);
        halfway = 1u << (shift - 1u);
    }
    else
    {
        h = (abs - 0x38000000u) >> 13; // rebias the exponent (127 to 15), keep 10 mantissa bits
        rest = abs & 0x1fffu;
        halfway = 0x1000u;
    }
    if (rest > halfway || (rest == halfway && (h & 1u))) h++; // a carry into the exponent is the right result
    return (unsigned short)(sign | h);
}

__device__ __forceinline__ float mrvs_half_bits_to_float(unsigned short h)
{
    const unsigned int sign = (unsigned int)(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu;
    unsigned int mantissa = h & 0x3ffu;
    if (exponent == 0x1fu) return __uint_as_float(sign | 0x7f800000u | (mantissa << 13));
    if (exponent != 0) return __uint_as_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
    if (mantissa == 0) return __uint_as_float(sign);
    unsigned int e = 113u; // normalise a subnormal: 2^-14 · 0.m
    while (!(mantissa & 0x400u))
    {
        mantissa <<= 1;
        e--;
    }
    return __uint_as_float(sign | (e << 23) | ((mantissa & 0x3ffu) << 13));
}

__device__ __forceinline__ unsigned short mrvs_float_to_bf16_bits(float f)
{
    const unsigned int x = __float_as_uint(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((x >> 16) | 0x40u);
    return (unsigned short)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

__device__ __forceinline__ float mrvs_half_to_float(mrvs_half h)
{
#ifdef MRVS_EMULATION
    return mrvs_half_bits_to_float(h.bits);
#else
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h.bits));
    return f;
#endif
}

__device__ __forceinline__ mrvs_half mrvs_float_to_half(float f)
{
    mrvs_half h;
#ifdef MRVS_EMULATION
    h.bits = mrvs_float_to_half_bits(f);
#else
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h.bits) : "f"(f));
#endif
    return h;
}

__device__ __forceinline__ float mrvs_bf16_to_float(mrvs_bf16 b) { return __uint_as_float((unsigned int)b.bits << 16); }

__device__ __forceinline__ mrvs_bf16 mrvs_float_to_bf16(float f)
{
    mrvs_bf16 b;
#if !defined(MRVS_EMULATION) && __CUDA_ARCH__ >= 800
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(b.bits) : "f"(f));
#else
    b.bits = mrvs_float_to_bf16_bits(f);
#endif
    return b;
}

// What a kernel that can write the 16-bit GEMM operand itself stores its float32 results as (the host's
// KernelLaunches.StoreType): in fp16 / bf16 mode the CUDA backend keeps a value that only GEMMs read in their operand
// type, rounded once as it is stored, exactly as cast_narrow would round it before each GEMM.
#define MRVS_STORE_F32 0
#define MRVS_STORE_F16 1
#define MRVS_STORE_BF16 2

__device__ __forceinline__ unsigned short mrvs_narrow_bits(float v, int type)
{
    return type == MRVS_STORE_F16 ? mrvs_float_to_half(v).bits : mrvs_float_to_bf16(v).bits;
}

// The address of element i of y stored as `type`.
__device__ __forceinline__ void* mrvs_element(void* y, long long i, int type)
{
    return (char*)y + i * (type == MRVS_STORE_F32 ? 4 : 2);
}

// Element i of y stored as `type`, widened to float (exact).
__device__ __forceinline__ float mrvs_load(const void* y, long long i, int type)
{
    if (type == MRVS_STORE_F32) return ((const float*)y)[i];
    const unsigned short bits = ((const unsigned short*)y)[i];
    return type == MRVS_STORE_F16 ? mrvs_half_to_float(mrvs_half{bits}) : mrvs_bf16_to_float(mrvs_bf16{bits});
}

// Stores v as element i of y in `type`.
__device__ __forceinline__ void mrvs_store(void* __restrict__ y, long long i, float v, int type)
{
    if (type == MRVS_STORE_F32) ((float*)y)[i] = v;
    else ((unsigned short*)y)[i] = mrvs_narrow_bits(v, type);
}

// Stores v[0..3] as elements i..i+3 of y in `type` (i % 4 == 0, y 16-byte aligned): one 128-bit or 64-bit store.
__device__ __forceinline__ void mrvs_store4(void* __restrict__ y, long long i, const float* v, int type)
{
    if (type == MRVS_STORE_F32)
    {
        *reinterpret_cast<float4*>((float*)y + i) = {v[0], v[1], v[2], v[3]};
        return;
    }
    const uint2 p = {mrvs_narrow_bits(v[0], type) | (unsigned int)mrvs_narrow_bits(v[1], type) << 16,
                     mrvs_narrow_bits(v[2], type) | (unsigned int)mrvs_narrow_bits(v[3], type) << 16};
    *reinterpret_cast<uint2*>((unsigned short*)y + i) = p;
}
