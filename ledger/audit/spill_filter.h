// A Bloom filter of what an audit wrote to its scratch database, so that
// the common lookup -- a new usage id, a key not seen before -- is answered
// without asking RocksDB, whose answer costs a probe of every level-0 file
// it holds. It grows by adding filters of twice the size, each about 10
// bits an entry (1% false positives): about 1.25 bytes per spilled entry,
// against the hundreds of bytes the entry itself held in memory.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_SPILL_FILTER_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_SPILL_FILTER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ledger {

class SpillFilter {
 public:
  // `hash` is a 64-bit hash of the entry (absl::HashOf).
  void Add(uint64_t hash) {
    if (filters_.empty() || filters_.back().added == filters_.back().capacity) {
      const size_t capacity =
          filters_.empty() ? size_t{1} << 16 : filters_.back().capacity * 2;
      filters_.push_back(Filter{std::vector<uint64_t>(capacity * 10 / 64 + 1),
                                capacity, 0});
    }
    Filter& f = filters_.back();
    ForEachBit(f, hash, [&](size_t bit) { f.bits[bit / 64] |= uint64_t{1} << (bit % 64); });
    ++f.added;
  }
  // False when `hash` was surely never added.
  bool MayContain(uint64_t hash) const {
    for (const Filter& f : filters_) {
      bool all = true;
      ForEachBit(f, hash, [&](size_t bit) {
        all = all && (f.bits[bit / 64] >> (bit % 64) & 1) != 0;
      });
      if (all) return true;
    }
    return false;
  }

 private:
  struct Filter {
    std::vector<uint64_t> bits;
    size_t capacity = 0;  // entries it takes at 10 bits each
    size_t added = 0;
  };
  // Seven probes by double hashing (Kirsch and Mitzenmacher).
  template <typename Fn>
  static void ForEachBit(const Filter& f, uint64_t hash, Fn fn) {
    const size_t bits = f.bits.size() * 64;
    const uint64_t h1 = hash;
    const uint64_t h2 = (hash >> 33 | hash << 31) | 1;
    for (uint64_t i = 0; i < 7; ++i) fn(static_cast<size_t>((h1 + i * h2) % bits));
  }

  std::vector<Filter> filters_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_SPILL_FILTER_H_
