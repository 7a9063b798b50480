// A Bloom filter of what an audit wrote to its scratch database, so that
// the common lookup -- a new usage id, a key not seen before -- is answered
// without asking RocksDB. It grows by adding filters of twice the size, each
// about 12 bits an entry: about 1.5 bytes per spilled entry, against the
// hundreds of bytes the entry itself held in memory.
//
// Its bits are bounded too (Bound): 1.5 bytes per entry is itself a state
// that grows with the history, 28 MiB for the 19 million spills of a
// bounded replay at ten million events (docs/benchmarks.md, "The audits at
// 1 million against 10 million events"). Once the filter holds its bound
// it takes no more bits: a filter made smaller than its entries need probes
// fewer bits an entry (about ln 2 times its bits an entry), and entries
// past the last filter's capacity go into it all the same, so it answers
// a wrong "maybe" more often as the history grows -- each one a lookup in
// the scratch database, which its own compaction keeps cheap
// (ledger/audit/scratch_db.h) -- and never a wrong "no".
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
  // The most bytes its filters hold together (0, the default: no bound);
  // at least one block. Before the first Add, as ExpectEntries.
  void Bound(size_t max_bytes) {
    if (filters_.empty()) max_bytes_ = max_bytes;
  }
  // The bytes its filters hold.
  size_t bytes() const { return bytes_; }
  // True when the entries expected (ExpectEntries) fit under the bound at
  // the full bits an entry: then it answers a wrong "maybe" for about
  // 0.4% of absent entries as long as no more than those are added, and
  // what it guards is seldom looked up.
  bool ExpectedEntriesFit() const {
    return max_bytes_ == 0 ||
           (first_capacity_ * kBitsPerEntry / kBlockBits + 1) * kBlockBytes <= max_bytes_;
  }
  // `hash` is a 64-bit hash of the entry (absl::HashOf).
  void Add(uint64_t hash) {
    if (filters_.empty() ||
        (filters_.back().added >= filters_.back().capacity && !AtBound())) {
      AddFilter();
    }
    Filter& f = filters_.back();
    uint64_t* block = Block(f, hash);
    ForEachBit(f, hash,
               [&](unsigned bit) { block[bit / 64] |= uint64_t{1} << (bit % 64); });
    ++f.added;
  }
  // False when `hash` was surely never added.
  bool MayContain(uint64_t hash) const {
    for (const Filter& f : filters_) {
      const uint64_t* block = Block(f, hash);
      bool all = true;
      ForEachBit(f, hash, [&](unsigned bit) {
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
  static constexpr unsigned kMaxProbes = 8;
  static constexpr size_t kBlockBytes = kBlockBits / 8;
  static constexpr size_t kMinCapacity = size_t{1} << 16;

  struct Filter {
    std::vector<uint64_t> bits;  // `blocks` blocks of kBlockWords words
    size_t blocks = 0;
    size_t capacity = 0;  // entries it takes at kBitsPerEntry bits each
    size_t added = 0;
    unsigned probes = kMaxProbes;
  };
  // No room under the bound for a filter of at least a quarter of the
  // last one's size: a smaller one would cost every absent entry one more
  // cache miss for few bits.
  bool AtBound() const {
    if (max_bytes_ == 0) return false;
    const size_t left = max_bytes_ - std::min(bytes_, max_bytes_);
    const size_t least =
        filters_.empty() ? kBlockBytes
                         : std::max(kBlockBytes, filters_.back().blocks * kBlockBytes / 4);
    return left < least;
  }
  // The next filter of the chain: twice the last one's capacity, at
  // kBitsPerEntry bits an entry, or what is left under the bound with
  // fewer probes for its fewer bits an entry.
  void AddFilter() {
    const size_t capacity =
        filters_.empty() ? first_capacity_ : filters_.back().capacity * 2;
    size_t blocks = capacity * kBitsPerEntry / kBlockBits + 1;
    if (max_bytes_ != 0) {
      blocks = std::max<size_t>(
          1, std::min(blocks, (max_bytes_ - std::min(bytes_, max_bytes_)) /
                                  kBlockBytes));
    }
    // k = ln 2 * bits an entry minimises the wrong "maybe"s of a filter
    // that holds `capacity` entries; 8 at 12 bits an entry.
    const double bits_per_entry =
        static_cast<double>(blocks * kBlockBits) / static_cast<double>(capacity);
    const unsigned probes = static_cast<unsigned>(std::clamp(
        bits_per_entry * 0.6931 + 0.5, 1.0, static_cast<double>(kMaxProbes)));
    filters_.push_back(Filter{std::vector<uint64_t>(blocks * kBlockWords), blocks,
                              capacity, 0, probes});
    bytes_ += blocks * kBlockBytes;
  }
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
  // The filter's probes' bits of the block by double hashing (Kirsch and
  // Mitzenmacher) on the low 32 bits.
  template <typename Fn>
  static void ForEachBit(const Filter& f, uint64_t hash, Fn fn) {
    const uint32_t h1 = static_cast<uint32_t>(hash);
    const uint32_t h2 = (h1 >> 17 | h1 << 15) | 1;
    for (unsigned i = 0; i < f.probes; ++i) fn((h1 + i * h2) % kBlockBits);
  }

  size_t first_capacity_ = kMinCapacity;
  size_t max_bytes_ = 0;  // 0: no bound
  size_t bytes_ = 0;
  std::vector<Filter> filters_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_SPILL_FILTER_H_
