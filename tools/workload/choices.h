// Where a command generator takes its choices from (command_generator.h):
// the caller gives the source, so the same generator serves a seeded test
// (SeededChoices, reproducible from its seed), a fuzzer (a source over the
// fuzz input's bytes, tests/fuzz/fuzz_command_sequence.cc: mutating the
// bytes mutates the choices) and the simulated customers of `ledgerctl
// demo` (ModuloChoices).
#ifndef CREDIT_LEDGER_TOOLS_WORKLOAD_CHOICES_H_
#define CREDIT_LEDGER_TOOLS_WORKLOAD_CHOICES_H_

#include <cstdint>
#include <random>

namespace ledger::workload {

class Choices {
 public:
  virtual ~Choices() = default;
  // A whole number in [lo, hi]. REQUIRES: lo <= hi. A source that has run
  // dry (fuzz bytes used up) answers lo, so a generator always finishes.
  virtual int64_t Pick(int64_t lo, int64_t hi) = 0;

  // True once in `n` draws on average (always for n <= 1).
  bool OneIn(int64_t n) { return n <= 1 || Pick(0, n - 1) == 0; }
};

// std::mt19937 with std::uniform_int_distribution: a fixed stream per seed
// on every platform libstdc++ builds for.
class SeededChoices final : public Choices {
 public:
  explicit SeededChoices(uint32_t seed) : rng_(seed) {}
  int64_t Pick(int64_t lo, int64_t hi) override {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

 private:
  std::mt19937 rng_;
};

// std::mt19937_64 reduced modulo the range: the simulated customers'
// stream (customer_simulation.h), kept as it was drawn so `ledgerctl demo`
// gives the same day for the same seed.
class ModuloChoices final : public Choices {
 public:
  void Seed(uint64_t seed) { rng_.seed(seed); }
  int64_t Pick(int64_t lo, int64_t hi) override {
    return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace ledger::workload

#endif  // CREDIT_LEDGER_TOOLS_WORKLOAD_CHOICES_H_
