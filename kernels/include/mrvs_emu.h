// CPU emulation of the CUDA programming model for the kernels in kernels/ (built by CMakeLists.txt into
// libmrvs_kernels_emu.so). The threads of a block run as cooperative fibers (ucontext) on one OS thread, so
// __syncthreads and warp shuffles are real barriers with CUDA's semantics; blocks of a grid run in parallel on
// OpenMP threads. __shared__ variables are thread_local statics: one copy per OS thread, i.e. per running block.
// Limits: at most 1024 threads per block; a fiber stack of 64 KiB. C++17, like NVRTC's -std=c++17.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__
#define __align__(n) alignas(n)
#define __launch_bounds__(...)
#define __shared__ static thread_local

struct uint3 { unsigned int x, y, z; };
// CUDA's vector types, aligned like the GPU's (a float4 or uint4 load is one 128-bit access).
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(8) uint2 { unsigned int x, y; };
struct alignas(16) uint4 { unsigned int x, y, z, w; };
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
struct dim3 { unsigned int x = 1, y = 1, z = 1; };

namespace mrvs_emu
{
struct Fiber;
struct Block;

struct ThreadState
{
    uint3 threadIdx;
    uint3 blockIdx;
    dim3 blockDim;
    dim3 gridDim;
};

// The running fiber's CUDA built-ins; switched with the fiber.
extern thread_local ThreadState* current;
extern thread_local Block* current_block;

void syncthreads();
void syncwarp();
unsigned long long exchange(unsigned long long value, int src_lane);
unsigned int ballot(bool predicate);
unsigned char* dynamic_smem();
// Every lane of the caller's warp publishes `bytes` (≤ 32) and receives all 32 lanes' in lane order (a warp-collective
// step, like a shuffle; the emulated mma.sync reads the whole warp's fragments this way).
void warp_gather(const void* mine, void* all, int bytes);
int lane_id();
// One warp's mma.sync m16n8k16 ran: the instrumented library counts it (the roofline model's tensor-core FLOPs); the
// plain one does nothing.
void count_mma();

template <typename T>
inline T shuffle(T v, int src_lane)
{
    static_assert(sizeof(T) <= 8, "shuffle of a type wider than 8 bytes");
    unsigned long long bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    bits = exchange(bits, src_lane & 31);
    T r;
    std::memcpy(&r, &bits, sizeof(T));
    return r;
}

using Launcher = void (*)(void** args);

// cooperative: the kernel's threads synchronise (barriers, shuffles, votes), so they run as fibers; otherwise each
// thread runs to completion in turn, which is far cheaper.
void run_grid(dim3 grid, dim3 block, unsigned int smem_bytes, void** args, void (*invoke)(void** args),
    bool cooperative);

template <typename... A, std::size_t... I>
inline void invoke_unpacked(void (*kernel)(A...), void** args, std::index_sequence<I...>)
{
    kernel(*static_cast<std::remove_reference_t<A>*>(args[I])...);
}

template <typename... A>
inline void invoke(void (*kernel)(A...), void** args)
{
    invoke_unpacked(kernel, args, std::index_sequence_for<A...>{});
}
} // namespace mrvs_emu

#define threadIdx (mrvs_emu::current->threadIdx)
#define blockIdx (mrvs_emu::current->blockIdx)
#define blockDim (mrvs_emu::current->blockDim)
#define gridDim (mrvs_emu::current->gridDim)
#define warpSize 32

inline void __syncthreads() { mrvs_emu::syncthreads(); }
inline void __syncwarp(unsigned int = 0xffffffffu) { mrvs_emu::syncwarp(); }

// Shuffles within segments of `width` lanes (a power of two up to 32), with CUDA's rule that a source outside the
// caller's segment (down/up past its edge, xor into a later segment) returns the caller's own value.
template <typename T> inline T __shfl_sync(unsigned int, T v, int src, int width = 32)
{
    return mrvs_emu::shuffle(v, (mrvs_emu::lane_id() & ~(width - 1)) + (src & (width - 1)));
}
template <typename T> inline T __shfl_xor_sync(unsigned int, T v, int lane_mask, int width = 32)
{
    const int lane = mrvs_emu::lane_id(), src = lane ^ lane_mask;
    return mrvs_emu::shuffle(v, src < (lane & ~(width - 1)) + width ? src : lane);
}
template <typename T> inline T __shfl_down_sync(unsigned int, T v, unsigned int delta, int width = 32)
{
    const int lane = mrvs_emu::lane_id();
    return mrvs_emu::shuffle(v, (lane & (width - 1)) + (int)delta < width ? lane + (int)delta : lane);
}
template <typename T> inline T __shfl_up_sync(unsigned int, T v, unsigned int delta, int width = 32)
{
    const int lane = mrvs_emu::lane_id();
    return mrvs_emu::shuffle(v, (lane & (width - 1)) >= (int)delta ? lane - (int)delta : lane);
}
inline unsigned int __ballot_sync(unsigned int, int p) { return mrvs_emu::ballot(p != 0); }
inline int __any_sync(unsigned int, int p) { return mrvs_emu::ballot(p != 0) != 0; }
inline int __all_sync(unsigned int, int p) { return mrvs_emu::ballot(p != 0) == 0xffffffffu; }

inline int __popc(unsigned int x) { return __builtin_popcount(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }

// Atomics as GCC builtins (C++17 has no std::atomic_ref); sequentially consistent, stronger than CUDA's relaxed ones.
template <typename T> inline T mrvs_emu_cas(T* address, T compare, T v)
{
    __atomic_compare_exchange_n(address, &compare, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return compare;
}
inline int atomicCAS(int* address, int compare, int v) { return mrvs_emu_cas(address, compare, v); }
inline unsigned int atomicCAS(unsigned int* address, unsigned int compare,
    unsigned int v) { return mrvs_emu_cas(address, compare, v); }
inline unsigned long long atomicCAS(unsigned long long* address, unsigned long long compare,
    unsigned long long v) { return mrvs_emu_cas(address, compare, v); }
inline int atomicAdd(int* address, int v) { return __atomic_fetch_add(address, v, __ATOMIC_SEQ_CST); }
inline unsigned int atomicAdd(unsigned int* address, unsigned int v) { return __atomic_fetch_add(address, v,
    __ATOMIC_SEQ_CST); }
inline float atomicAdd(float* address, float v)
{
    unsigned int* bits = reinterpret_cast<unsigned int*>(address);
    unsigned int old = __atomic_load_n(bits, __ATOMIC_SEQ_CST), assumed;
    do
    {
        assumed = old;
        float sum;
        std::memcpy(&sum, &assumed, 4);
        sum += v;
        unsigned int desired;
        std::memcpy(&desired, &sum, 4);
        old = mrvs_emu_cas(bits, assumed, desired);
    } while (old != assumed);
    float r;
    std::memcpy(&r, &old, 4);
    return r;
}
inline int atomicMax(int* address, int v)
{
    int old = __atomic_load_n(address, __ATOMIC_SEQ_CST);
    while (old < v && !__atomic_compare_exchange_n(address, &old, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {}
    return old;
}
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
// A load through L2, bypassing L1 (another block's stores in the same launch): a plain load here.
template <typename T> inline T __ldcg(const T* p) { return *p; }

inline unsigned int __float_as_uint(float f)
{
    unsigned int bits;
    std::memcpy(&bits, &f, 4);
    return bits;
}
inline int __float_as_int(float f) { return (int)__float_as_uint(f); }
inline float __uint_as_float(unsigned int bits)
{
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

inline float __int_as_float(unsigned int bits) { return __uint_as_float(bits); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __fdividef(float a, float b) { return a / b; }
// sin(πx) and cos(πx) rounded from double, as CUDA's (within 1 ulp) for the moderate arguments kernels pass.
inline float sinpif(float x) { return (float)std::sin((double)x * 3.14159265358979323846); }
inline float cospif(float x) { return (float)std::cos((double)x * 3.14159265358979323846); }

#define MRVS_DYNAMIC_SMEM(type, name) type* name = reinterpret_cast<type*>(mrvs_emu::dynamic_smem())

// extern "C" entry point of the emulation library for one kernel: unpacks cuLaunchKernel-style arguments.
#define MRVS_EMU_ENTRY(name, cooperative)                                                                          \
    extern "C" void mrvs_emu_##name(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, \
                                    unsigned smem, void** args)                                                    \
    {                                                                                                              \
        mrvs_emu::run_grid(dim3{gx, gy, gz}, dim3{bx, by, bz}, smem, args,                                         \
                           [](void** a) { mrvs_emu::invoke(name, a); }, cooperative);                              \
    }
// A kernel whose threads synchronise (__syncthreads, shuffles, votes).
#define MRVS_EXPORT_KERNEL(name) MRVS_EMU_ENTRY(name, true)
// A kernel whose threads never synchronise: emulated without fibers (a barrier in it aborts with a message).
#define MRVS_EXPORT_INDEPENDENT_KERNEL(name) MRVS_EMU_ENTRY(name, false)
