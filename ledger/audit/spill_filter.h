// A Bloom filter of what an audit wrote to its scratch database, so that
// the common lookup -- a new usage id, a key not seen before -- is answered
// without asking RocksDB, whose answer costs a probe of every level-0 file
// it holds. It grows by adding filters of twice the size, each about 12
// bits an entry: about 1.5 bytes per spilled entry, against the hundreds
// of bytes the entry itself held in memory.
//
// Each filter is blocked: an entry's probes all fall in one 64-byte block
// (one cache line), so a lookup costs one memory access per filter, not
// one per probe. An entry absent -- the common answer -- is asked of every
// filter of the chain, and with probes spread over the whole filter that
// was eight cache misses a filter, a twentieth of a bounded replay's time
// at a million events (docs/benchmarks.md, "Years of history: as-of reads,
// replay's memory and rate"). With 12 bits and 8 probes an entry a filter
// answers a wrong "maybe" for about 0.4% of absent entries (a whole-filter
// layout at 10 bits and 7 probes, as before, about 0.8%), and each such
// answer costs one lookup in the scratch database.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_SPILL_FILTER_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_SPILL_FILTER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ledger {

class SpillFilter {
 public:
  // The number of entries the caller expects to add at most (for replay,
  // its share of the log's events), when it knows: the first filter is
  // made that large, at the first Add. A chain grown by doubling from
  // 65 536 entries held up to twice the bits its entries needed, and each
  // filter of it cost an absent entry one more cache miss: at a million
  // events four filters a chain, 5.9 MiB in all against 3 MiB sized once
  // (docs/benchmarks.md, "Years of history: replay's memory and rate,
  // continued"). More entries than expected still chain.
  void ExpectEntries(size_t entries) {
    if (filters_.empty()) first_capacity_ = std::max(entries, kMinCapacity);
  }
  // `hash` is a 64-bit hash of the entry (absl::HashOf).
  void Add(uint64_t hash) {
    if (filters_.empty() || filters_.back().added == filters_.back().capacity) {
      const size_t capacity =
          filters_.empty() ? first_capacity_ : filters_.back().capacity * 2;
      const size_t blocks = capacity * kBitsPerEntry / kBlockBits + 1;
      filters_.push_back(Filter{std::vector<uint64_t>(blocks * kBlockWords),
                                blocks, capacity, 0});
    }
    Filter& f = filters_.back();
    uint64_t* block = Block(f, hash);
    ForEachBit(hash, [&](unsigned bit) { block[bit / 64] |= uint64_t{1} << (bit % 64); });
    ++f.added;
  }
  // False when `hash` was surely never added.
  bool MayContain(uint64_t hash) const {
    for (const Filter& f : filters_) {
      const uint64_t* block = Block(f, hash);
      bool all = true;
      ForEachBit(hash, [&](unsigned bit) {
        all = all && (block[bit / 64] >> (bit % 64) & 1) != 0;
      });
      if (all) return true;
    }
    return false;
  }

 private:
  static constexpr size_t kBitsPerEntry = 12;
  static constexpr size_t kBlockBits = 512;  // a 64-byte cache line
  static constexpr size_t kBlockWords = kBlockBits / 64;
  static constexpr unsigned kProbes = 8;
  static constexpr size_t kMinCapacity = size_t{1} << 16;

  struct Filter {
    std::vector<uint64_t> bits;  // `blocks` blocks of kBlockWords words
    size_t blocks = 0;
    size_t capacity = 0;  // entries it takes at kBitsPerEntry bits each
    size_t added = 0;
  };
  // The block of `hash`, from its high 32 bits (multiply-shift onto
  // [0, blocks)); the probes use the low 32 bits, independent of it.
  static uint64_t* Block(Filter& f, uint64_t hash) {
    return f.bits.data() + BlockIndex(f, hash) * kBlockWords;
  }
  static const uint64_t* Block(const Filter& f, uint64_t hash) {
    return f.bits.data() + BlockIndex(f, hash) * kBlockWords;
  }
  static size_t BlockIndex(const Filter& f, uint64_t hash) {
    return static_cast<size_t>(((hash >> 32) * f.blocks) >> 32);
  }
  // kProbes bits of the block by double hashing (Kirsch and Mitzenmacher)
  // on the low 32 bits.
  template <typename Fn>
  static void ForEachBit(uint64_t hash, Fn fn) {
    const uint32_t h1 = static_cast<uint32_t>(hash);
    const uint32_t h2 = (h1 >> 17 | h1 << 15) | 1;
    for (unsigned i = 0; i < kProbes; ++i) fn((h1 + i * h2) % kBlockBits);
  }

  size_t first_capacity_ = kMinCapacity;
  std::vector<Filter> filters_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_SPILL_FILTER_H_
