// CPU emulation of the CUDA programming model for the kernels in kernels/ (built by CMakeLists.txt into
// libmrvs_kernels_emu.so). The threads of a block run as cooperative fibers (ucontext) on one OS thread, so
// __syncthreads and warp shuffles are real barriers with CUDA's semantics; blocks of a grid run in parallel on
// OpenMP threads. __shared__ variables are thread_local statics: one copy per OS thread, i.e. per running block.
// Limits: at most 1024 threads per block; a fiber stack of 256 KiB.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <atomic>
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
int lane_id();

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
void run_grid(dim3 grid, dim3 block, unsigned int smem_bytes, void** args, void (*invoke)(void** args), bool cooperative);

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

template <typename T> inline T __shfl_sync(unsigned int, T v, int src) { return mrvs_emu::shuffle(v, src); }
template <typename T> inline T __shfl_xor_sync(unsigned int, T v, int mask) { return mrvs_emu::shuffle(v, mrvs_emu::lane_id() ^ mask); }
template <typename T> inline T __shfl_down_sync(unsigned int, T v, unsigned int d)
{
    int src = mrvs_emu::lane_id() + (int)d;
    T r = mrvs_emu::shuffle(v, src < 32 ? src : mrvs_emu::lane_id());
    return r;
}
inline unsigned int __ballot_sync(unsigned int, int p) { return mrvs_emu::ballot(p != 0); }
inline int __any_sync(unsigned int, int p) { return mrvs_emu::ballot(p != 0) != 0; }
inline int __all_sync(unsigned int, int p) { return mrvs_emu::ballot(p != 0) == 0xffffffffu; }

inline float atomicAdd(float* address, float v) { return std::atomic_ref<float>(*address).fetch_add(v); }
inline int atomicAdd(int* address, int v) { return std::atomic_ref<int>(*address).fetch_add(v); }
inline int atomicMax(int* address, int v)
{
    std::atomic_ref<int> a(*address);
    int old = a.load();
    while (old < v && !a.compare_exchange_weak(old, v)) {}
    return old;
}
inline int atomicCAS(int* address, int compare, int v)
{
    std::atomic_ref<int>(*address).compare_exchange_strong(compare, v);
    return compare;
}

inline float __int_as_float(unsigned int bits)
{
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __fdividef(float a, float b) { return a / b; }

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
