// Runtime of the CUDA emulation (see include/mrvs_emu.h): fibers per block thread, block and warp barriers,
// shuffles and votes through per-lane slots, OpenMP across blocks.
#include "../include/mrvs_emu.h"
#include <ucontext.h>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

#if defined(__x86_64__)
// Saves the callee-saved registers and the stack pointer in *from, resumes `to` (no signal-mask syscalls,
// unlike swapcontext, which dominated the emulation's run time).
extern "C" void mrvs_emu_switch(void** from, void* to);
asm(R"(
    .text
    .globl mrvs_emu_switch
    .type mrvs_emu_switch, @function
mrvs_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size mrvs_emu_switch, .-mrvs_emu_switch
)");
#endif

namespace mrvs_emu
{
#ifdef MRVS_EMU_COUNTERS
// Per-block memory counters (mrvs_emu_counters.cpp), only in the instrumented library.
void counters_block_begin();
void counters_block_end();
#else
inline void counters_block_begin() {}
inline void counters_block_end() {}
void count_mma() {}
#endif

thread_local ThreadState* current = nullptr;
thread_local Block* current_block = nullptr;

namespace
{
constexpr std::size_t StackBytes = 64 * 1024;
constexpr int MaxThreads = 1024, Warps = MaxThreads / 32, MaxGatherBytes = 32;

struct Barrier
{
    int arrived = 0;
    int alive = 0;
    unsigned long long generation = 0;
};
} // namespace

// An execution context: a saved stack pointer on x86-64, a ucontext elsewhere.
struct Context
{
#if defined(__x86_64__)
    void* sp = nullptr;
#else
    ucontext_t uc;
#endif
};

static void switch_context(Context& from, Context& to)
{
#if defined(__x86_64__)
    mrvs_emu_switch(&from.sp, to.sp);
#else
    swapcontext(&from.uc, &to.uc);
#endif
}

struct Fiber
{
    Context context;
    ThreadState state;
    bool done = false;
    int linear = 0;
};

struct Block
{
    Context scheduler;
    std::vector<Fiber> fibers;
    std::vector<std::unique_ptr<char[]>> stacks;
    Barrier block;
    Barrier warps[Warps];
    unsigned long long slots[MaxThreads];
    unsigned char gathered[MaxThreads * MaxGatherBytes];
    std::vector<unsigned char> smem;
    void (*invoke)(void**) = nullptr;
    void** args = nullptr;
    Fiber* running = nullptr;
};

namespace
{
void yield()
{
    Block* b = current_block;
    switch_context(b->running->context, b->scheduler);
}

void arrive(Barrier& bar)
{
    unsigned long long generation = bar.generation;
    if (++bar.arrived >= bar.alive)
    {
        bar.arrived = 0;
        bar.generation++;
        return;
    }
    while (bar.generation == generation) yield();
}

// A thread that exits no longer counts towards barriers; release one it was the last holdout of.
void leave(Barrier& bar)
{
    bar.alive--;
    if (bar.arrived > 0 && bar.arrived >= bar.alive)
    {
        bar.arrived = 0;
        bar.generation++;
    }
}

// A fiber's whole life: run the kernel for its thread, leave the barriers, hand control back for good.
void fiber_main()
{
    Block* b = current_block;
    b->invoke(b->args);
    Fiber* f = b->running;
    f->done = true;
    leave(b->block);
    leave(b->warps[f->linear / 32]);
    switch_context(f->context, b->scheduler);
}

void start_fiber(Fiber& f, char* stack, Block& b)
{
#if defined(__x86_64__)
    (void)b;
    auto top = reinterpret_cast<std::uintptr_t>(stack + StackBytes) & ~std::uintptr_t(15);
    auto* sp = reinterpret_cast<void**>(top);
    *--sp = nullptr;                                    // fiber_main never returns
    *--sp = reinterpret_cast<void*>(&fiber_main);       // popped by mrvs_emu_switch's ret
    for (int i = 0; i < 6; i++) *--sp = nullptr;        // rbp, rbx, r12–r15
    f.context.sp = sp;
#else
    getcontext(&f.context.uc);
    f.context.uc.uc_stack.ss_sp = stack;
    f.context.uc.uc_stack.ss_size = StackBytes;
    f.context.uc.uc_link = &b.scheduler.uc;
    makecontext(&f.context.uc, fiber_main, 0);
#endif
}

Block& thread_block()
{
    thread_local Block block;
    return block;
}

void run_block(Block& b, uint3 block_index, dim3 grid, dim3 dims, unsigned int smem_bytes)
{
    const int threads = (int)(dims.x * dims.y * dims.z);
    b.fibers.resize(threads);
    while ((int)b.stacks.size() < threads) b.stacks.emplace_back(new char[StackBytes]);
    b.smem.resize(smem_bytes);
    b.block = Barrier{0, threads, 0};
    for (int w = 0; w < Warps; w++) b.warps[w] = Barrier{0, std::max(0, std::min(32, threads - w * 32)), 0};
    for (int i = 0; i < threads; i++)
    {
        Fiber& f = b.fibers[i];
        f.done = false;
        f.linear = i;
        f.state = ThreadState{uint3{(unsigned)(i % dims.x), (unsigned)(i / dims.x % dims.y),
            (unsigned)(i / (dims.x * dims.y))}, block_index, dims, grid};
        start_fiber(f, b.stacks[i].get(), b);
    }
    current_block = &b;
    for (int remaining = threads; remaining > 0;)
    {
        remaining = 0;
        for (Fiber& f : b.fibers)
        {
            if (f.done) continue;
            b.running = &f;
            current = &f.state;
            switch_context(b.scheduler, f.context);
            if (!f.done) remaining++;
        }
    }
}
} // namespace

// Barriers need fibers: a kernel exported as independent that synchronises is a bug in the kernel's export.
static Block& cooperative_block()
{
    if (current_block == nullptr || current_block->running == nullptr)
    {
        std::fprintf(stderr, "mrvs_emu: a kernel exported with MRVS_EXPORT_INDEPENDENT_KERNEL synchronises; export "
            "it with MRVS_EXPORT_KERNEL\n");
        std::abort();
    }
    return *current_block;
}

void syncthreads() { arrive(cooperative_block().block); }

void syncwarp() { Block& b = cooperative_block(); arrive(b.warps[b.running->linear / 32]); }

int lane_id() { return cooperative_block().running->linear % 32; }

unsigned long long exchange(unsigned long long value, int src_lane)
{
    Block* b = &cooperative_block();
    const int linear = b->running->linear, base = linear / 32 * 32;
    b->slots[linear] = value;
    syncwarp();
    unsigned long long r = b->slots[base + src_lane];
    syncwarp();
    return r;
}

unsigned int ballot(bool predicate)
{
    Block* b = &cooperative_block();
    const int linear = b->running->linear, base = linear / 32 * 32;
    b->slots[linear] = predicate ? 1 : 0;
    syncwarp();
    unsigned int bits = 0;
    for (int lane = 0; lane < 32 && base + lane < (int)b->fibers.size(); lane++)
        if (b->slots[base + lane]) bits |= 1u << lane;
    syncwarp();
    return bits;
}

void warp_gather(const void* mine, void* all, int bytes)
{
    if (bytes > MaxGatherBytes) throw std::invalid_argument("warp_gather of more than 32 bytes per lane");
    Block* b = &cooperative_block();
    const int linear = b->running->linear, base = linear / 32 * 32;
    std::memcpy(b->gathered + linear * MaxGatherBytes, mine, bytes);
    syncwarp();
    unsigned char* out = static_cast<unsigned char*>(all);
    for (int lane = 0; lane < 32; lane++)
        std::memcpy(out + lane * bytes, b->gathered + (base + lane) * MaxGatherBytes, bytes);
    syncwarp();
}

unsigned char* dynamic_smem() { return current_block->smem.data(); }

// Runs each thread of an independent kernel to completion in turn, without fibers.
static void run_block_sequential(Block& b, uint3 block_index, dim3 grid, dim3 dims, unsigned int smem_bytes)
{
    const int threads = (int)(dims.x * dims.y * dims.z);
    b.smem.resize(smem_bytes);
    b.running = nullptr;
    current_block = &b;
    ThreadState state{uint3{0, 0, 0}, block_index, dims, grid};
    current = &state;
    for (int i = 0; i < threads; i++)
    {
        state = ThreadState{uint3{(unsigned)(i % dims.x), (unsigned)(i / dims.x % dims.y),
            (unsigned)(i / (dims.x * dims.y))}, block_index, dims, grid};
        b.invoke(b.args);
    }
    current = nullptr;
}

void run_grid(dim3 grid, dim3 block, unsigned int smem_bytes, void** args, void (*invoke)(void** args),
    bool cooperative)
{
    if (block.x * block.y * block.z > (unsigned)MaxThreads)
        throw std::invalid_argument("more than 1024 threads per block");
    const long long blocks = (long long)grid.x * grid.y * grid.z;
#pragma omp parallel for schedule(dynamic)
    for (long long i = 0; i < blocks; i++)
    {
        Block& b = thread_block();
        b.invoke = invoke;
        b.args = args;
        uint3 index{(unsigned)(i % grid.x), (unsigned)(i / grid.x % grid.y),
            (unsigned)(i / ((long long)grid.x * grid.y))};
        counters_block_begin();
        if (cooperative) run_block(b, index, grid, block, smem_bytes);
        else run_block_sequential(b, index, grid, block, smem_bytes);
        counters_block_end();
    }
}
} // namespace mrvs_emu
