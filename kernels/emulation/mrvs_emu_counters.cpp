// Memory counters of the instrumented emulation (libmrvs_kernels_emu_counters.so, CMakeLists.txt): the kernels are
// compiled with GCC's -fsanitize=thread instrumentation, which calls __tsan_readN / __tsan_writeN before every load
// and store the optimiser kept; this file defines those callbacks (no libtsan is linked) and counts, per thread
// block, the distinct 32-byte sectors of device memory read and written. A block's re-reads of a sector count once
// (L1 and shared memory would absorb them); different blocks count separately. Besides, per launch, the distinct
// sectors of all its blocks together (its footprint: a bit per device sector and direction), what the launch moves
// at least, and all it would move if L2 served every re-read between blocks. Device memory is what the host
// registered (mrvs_emu_counters_add_region: the emulated device's allocations), so locals, fiber stacks and shared
// memory are not counted. A block runs on one OS thread from start to end (mrvs_emu.cpp), so the sets are
// thread-local and totals are summed when a block ends. The plain library is built without any of this.
#include "../include/mrvs_emu.h"
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

namespace mrvs_emu
{
namespace
{
constexpr unsigned SectorShift = 5;

struct Region
{
    std::uintptr_t begin, end;
    // The launch's footprint in this region: a bit per sector, from the sector of `begin`.
    std::vector<std::uint64_t> read_bits, write_bits;
};

// Sorted, disjoint; changed by the host only between launches.
std::vector<Region> regions;
std::uintptr_t lowest = UINTPTR_MAX, highest = 0;

// Set of sector numbers with generation stamps: starting a new block is one increment, not a clear.
class SectorSet
{
public:
    // True when the sector was not yet in the set of the current generation.
    bool insert(std::uint64_t sector)
    {
        if (2 * (count_ + 1) > slots_.size()) grow();
        return place(slots_, sector);
    }

    std::uint64_t take()
    {
        const std::uint64_t n = count_;
        count_ = 0;
        if (++generation_ == 0) // wrapped: stale stamps could look current
        {
            std::fill(slots_.begin(), slots_.end(), Slot{});
            generation_ = 1;
        }
        return n;
    }

private:
    struct Slot
    {
        std::uint64_t sector = 0;
        std::uint32_t generation = 0;
    };

    bool place(std::vector<Slot>& slots, std::uint64_t sector)
    {
        const std::size_t mask = slots.size() - 1;
        for (std::size_t i = (sector * 0x9E3779B97F4A7C15ull) >> 20 & mask;; i = (i + 1) & mask)
        {
            Slot& s = slots[i];
            if (s.generation != generation_)
            {
                s = Slot{sector, generation_};
                count_++;
                return true;
            }
            if (s.sector == sector) return false;
        }
    }

    void grow()
    {
        std::vector<Slot> old(std::max<std::size_t>(1024, 2 * slots_.size()));
        old.swap(slots_);
        const std::uint64_t live = count_;
        count_ = 0;
        for (const Slot& s : old)
            if (s.generation == generation_) place(slots_, s.sector);
        count_ = live;
    }

    std::vector<Slot> slots_;
    std::uint64_t count_ = 0;
    std::uint32_t generation_ = 1;
};

struct BlockSectors
{
    SectorSet reads, writes;
    // The last device sector each way and the last other one: consecutive accesses to one sector skip the region
    // lookup and the set.
    std::uint64_t last_read = UINT64_MAX, last_write = UINT64_MAX, last_other = UINT64_MAX;
};

thread_local BlockSectors block_sectors;
std::atomic<std::uint64_t> read_sectors{0}, written_sectors{0}, blocks{0}, mma_ops{0};
std::atomic<std::uint64_t> footprint_read{0}, footprint_written{0};

Region* device_region(std::uintptr_t address)
{
    auto it = std::upper_bound(regions.begin(), regions.end(), address,
                               [](std::uintptr_t a, const Region& r) { return a < r.begin; });
    return it != regions.begin() && address < (it - 1)->end ? &*(it - 1) : nullptr;
}

// A block's first access to a sector: counts it in the launch's footprint unless another block already did.
void mark(Region& r, std::uint64_t sector, bool write)
{
    const std::uint64_t bit = sector - (r.begin >> SectorShift), mask = 1ull << (bit & 63);
    std::uint64_t& word = (write ? r.write_bits : r.read_bits)[bit >> 6];
    if (!(__atomic_fetch_or(&word, mask, __ATOMIC_RELAXED) & mask))
        (write ? footprint_written : footprint_read).fetch_add(1, std::memory_order_relaxed);
}

inline void access(const void* pointer, unsigned size, bool write)
{
    const auto address = reinterpret_cast<std::uintptr_t>(pointer);
    if (address >= highest || address + size <= lowest) return;
    BlockSectors& b = block_sectors;
    for (std::uint64_t s = address >> SectorShift, last = (address + size - 1) >> SectorShift; s <= last; s++)
    {
        std::uint64_t& recent = write ? b.last_write : b.last_read;
        if (s == recent || s == b.last_other) continue;
        Region* r = device_region(std::max<std::uintptr_t>(address, s << SectorShift));
        if (!r)
        {
            b.last_other = s;
            continue;
        }
        recent = s;
        if ((write ? b.writes : b.reads).insert(s)) mark(*r, s, write);
    }
}
} // namespace

// Called by run_grid around each block (mrvs_emu.cpp, built with MRVS_EMU_COUNTERS).
void counters_block_begin()
{
    block_sectors.last_read = block_sectors.last_write = block_sectors.last_other = UINT64_MAX;
}

void counters_block_end()
{
    read_sectors.fetch_add(block_sectors.reads.take(), std::memory_order_relaxed);
    written_sectors.fetch_add(block_sectors.writes.take(), std::memory_order_relaxed);
    blocks.fetch_add(1, std::memory_order_relaxed);
}

void count_mma() { mma_ops.fetch_add(1, std::memory_order_relaxed); }
} // namespace mrvs_emu

using mrvs_emu::access;

extern "C"
{
// The host's interface (exported: the names start with mrvs_emu_, see exports.map).
void mrvs_emu_counters_add_region(const void* begin, unsigned long long bytes)
{
    using namespace mrvs_emu;
    Region r{reinterpret_cast<std::uintptr_t>(begin), reinterpret_cast<std::uintptr_t>(begin) + bytes, {}, {}};
    const std::size_t words = (((r.end - 1) >> SectorShift) - (r.begin >> SectorShift)) / 64 + 1;
    r.read_bits.assign(words, 0);
    r.write_bits.assign(words, 0);
    auto at = std::upper_bound(regions.begin(), regions.end(), r,
                               [](const Region& a, const Region& b) { return a.begin < b.begin; });
    regions.insert(at, std::move(r));
    lowest = regions.front().begin;
    highest = 0;
    for (const Region& x : regions) highest = std::max(highest, x.end);
}

void mrvs_emu_counters_remove_region(const void* begin)
{
    using namespace mrvs_emu;
    const auto address = reinterpret_cast<std::uintptr_t>(begin);
    regions.erase(std::remove_if(regions.begin(), regions.end(), [&](const Region& r) { return r.begin == address; }),
                  regions.end());
    lowest = regions.empty() ? UINTPTR_MAX : regions.front().begin;
    highest = 0;
    for (const Region& x : regions) highest = std::max(highest, x.end);
}

// Sectors read and written (per block), the footprint's sectors read and written (per launch), blocks run and
// warp-wide m16n8k16 MMAs since the last call; resets them. Called between launches only.
void mrvs_emu_counters_take(unsigned long long* read, unsigned long long* written, unsigned long long* read_footprint,
                            unsigned long long* written_footprint, unsigned long long* block_count,
                            unsigned long long* mma)
{
    using namespace mrvs_emu;
    *read = read_sectors.exchange(0);
    *written = written_sectors.exchange(0);
    *read_footprint = footprint_read.exchange(0);
    *written_footprint = footprint_written.exchange(0);
    if (*read_footprint + *written_footprint != 0)
        for (Region& r : regions)
        {
            std::fill(r.read_bits.begin(), r.read_bits.end(), 0);
            std::fill(r.write_bits.begin(), r.write_bits.end(), 0);
        }
    *block_count = blocks.exchange(0);
    *mma = mma_ops.exchange(0);
}

// The callbacks GCC's thread-sanitizer instrumentation emits (with --param=tsan-instrument-func-entry-exit=0).
// The library is linked with --no-undefined: a kernel needing another one (an atomic not defined here) fails to link.
void __tsan_init() {}
// The atomics kernels use: a read and a write of the word; the fence touches no memory.
int __tsan_atomic32_fetch_add(volatile int* p, int v, int order)
{
    access((void*)p, 4, false);
    access((void*)p, 4, true);
    return __atomic_fetch_add(p, v, order);
}
void __tsan_atomic_thread_fence(int order) { __atomic_thread_fence(order); }
#define MRVS_TSAN_ACCESS(n)                                                    \
    void __tsan_read##n(void* p) { access(p, n, false); }                      \
    void __tsan_write##n(void* p) { access(p, n, true); }                      \
    void __tsan_unaligned_read##n(void* p) { access(p, n, false); }            \
    void __tsan_unaligned_write##n(void* p) { access(p, n, true); }
MRVS_TSAN_ACCESS(1)
MRVS_TSAN_ACCESS(2)
MRVS_TSAN_ACCESS(4)
MRVS_TSAN_ACCESS(8)
MRVS_TSAN_ACCESS(16)
#undef MRVS_TSAN_ACCESS
void __tsan_read_range(void* p, unsigned long size) { access(p, (unsigned)size, false); }
void __tsan_write_range(void* p, unsigned long size) { access(p, (unsigned)size, true); }
}
