// Runtime of the CUDA emulation (see include/mrvs_emu.h): fibers per block thread, block and warp barriers,
// shuffles and votes through per-lane slots, OpenMP across blocks.
#include "../include/mrvs_emu.h"
#include <ucontext.h>
#include <memory>
#include <stdexcept>
#include <vector>

namespace mrvs_emu
{
thread_local ThreadState* current = nullptr;
thread_local Block* current_block = nullptr;

namespace
{
constexpr std::size_t StackBytes = 64 * 1024;
constexpr int MaxThreads = 1024, Warps = MaxThreads / 32;

struct Barrier
{
    int arrived = 0;
    int alive = 0;
    unsigned long long generation = 0;
};
} // namespace

struct Fiber
{
    ucontext_t context;
    ThreadState state;
    bool done = false;
    int linear = 0;
};

struct Block
{
    ucontext_t scheduler;
    std::vector<Fiber> fibers;
    std::vector<std::unique_ptr<char[]>> stacks;
    Barrier block;
    Barrier warps[Warps];
    unsigned long long slots[MaxThreads];
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
    swapcontext(&b->running->context, &b->scheduler);
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

void fiber_main()
{
    Block* b = current_block;
    b->invoke(b->args);
    Fiber* f = b->running;
    f->done = true;
    leave(b->block);
    leave(b->warps[f->linear / 32]);
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
        f.state = ThreadState{uint3{(unsigned)(i % dims.x), (unsigned)(i / dims.x % dims.y), (unsigned)(i / (dims.x * dims.y))}, block_index, dims, grid};
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = b.stacks[i].get();
        f.context.uc_stack.ss_size = StackBytes;
        f.context.uc_link = &b.scheduler;
        makecontext(&f.context, fiber_main, 0);
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
            swapcontext(&b.scheduler, &f.context);
            if (!f.done) remaining++;
        }
    }
}
} // namespace

void syncthreads() { arrive(current_block->block); }

void syncwarp() { arrive(current_block->warps[current_block->running->linear / 32]); }

int lane_id() { return current_block->running->linear % 32; }

unsigned long long exchange(unsigned long long value, int src_lane)
{
    Block* b = current_block;
    const int linear = b->running->linear, base = linear / 32 * 32;
    b->slots[linear] = value;
    syncwarp();
    unsigned long long r = b->slots[base + src_lane];
    syncwarp();
    return r;
}

unsigned int ballot(bool predicate)
{
    Block* b = current_block;
    const int linear = b->running->linear, base = linear / 32 * 32;
    b->slots[linear] = predicate ? 1 : 0;
    syncwarp();
    unsigned int bits = 0;
    for (int lane = 0; lane < 32 && base + lane < (int)b->fibers.size(); lane++)
        if (b->slots[base + lane]) bits |= 1u << lane;
    syncwarp();
    return bits;
}

unsigned char* dynamic_smem() { return current_block->smem.data(); }

void run_grid(dim3 grid, dim3 block, unsigned int smem_bytes, void** args, void (*invoke)(void** args))
{
    if (block.x * block.y * block.z > (unsigned)MaxThreads) throw std::invalid_argument("more than 1024 threads per block");
    const long long blocks = (long long)grid.x * grid.y * grid.z;
#pragma omp parallel for schedule(dynamic)
    for (long long i = 0; i < blocks; i++)
    {
        Block& b = thread_block();
        b.invoke = invoke;
        b.args = args;
        uint3 index{(unsigned)(i % grid.x), (unsigned)(i / grid.x % grid.y), (unsigned)(i / ((long long)grid.x * grid.y))};
        run_block(b, index, grid, block, smem_bytes);
    }
}
} // namespace mrvs_emu
