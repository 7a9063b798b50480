// CPU costs inside one command, to explain the ledger's figures:
//   cpu/sha256/ledger: ledger::Sha256 (ledger/base/sha256.cc) of a previous hash
//     and an event of the measured size, as the writer and replay call it
//     (twice per accepted command: fingerprint and hash chain);
//   cpu/sha256/evp_reused: the same digest through one EVP_MD fetched once
//     and one reused EVP_MD_CTX: what a hash costs without the per-call
//     context allocation and algorithm lookup;
//   cpu/parse_time/ledger: ledger::ParseTimeUs of canonical times, as every
//     command's validation, canonicalization, judging time and replay's
//     checks call it, several times per command;
//   cpu/parse_time/absl: the same times through absl::ParseTime's RFC 3339,
//     what ParseTimeUs did for every time before it read the canonical
//     form itself (and still does for every other form).
#include <openssl/evp.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"
#include "ledger/base/sha256.h"
#include "ledger/time_util.h"

namespace ledger::bench {
namespace {

std::string EventSizedInput() {
  const double bytes = MeasuredUseShape().event.value_bytes - kHashBytes;
  return std::string(static_cast<size_t>(std::lround(bytes)), 'e');
}

void BM_Sha256Ledger(benchmark::State& state) {
  const std::string prev(kHashBytes, 'p');
  const std::string event = EventSizedInput();
  for (auto _ : state) benchmark::DoNotOptimize(Sha256(prev, event));
  state.SetItemsProcessed(state.iterations());
  state.counters["input_bytes"] = static_cast<double>(prev.size() + event.size());
}

void BM_Sha256EvpReused(benchmark::State& state) {
  const std::string prev(kHashBytes, 'p');
  const std::string event = EventSizedInput();
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string digest(kHashBytes, '\0');
  for (auto _ : state) {
    unsigned int length = 0;
    if (EVP_DigestInit_ex(ctx, md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx, prev.data(), prev.size()) != 1 ||
        EVP_DigestUpdate(ctx, event.data(), event.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(digest.data()),
                           &length) != 1) {
      state.SkipWithError("EVP digest failed");
      break;
    }
    benchmark::DoNotOptimize(digest);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  state.SetItemsProcessed(state.iterations());
  state.counters["input_bytes"] = static_cast<double>(prev.size() + event.size());
}

// A day of canonical times, 84 seconds apart, a quarter of them with a
// fraction, as commands carry them.
std::vector<std::string> CanonicalTimes() {
  std::vector<std::string> times;
  for (int64_t i = 0; i < 1024; ++i) {
    times.push_back(FormatTimeUs(kUseAtUs + i * 84 * kMicrosPerSecond +
                                 (i % 4 == 0 ? i * 1000 : 0)));
  }
  return times;
}

void BM_ParseTimeLedger(benchmark::State& state) {
  const std::vector<std::string> times = CanonicalTimes();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ParseTimeUs(times[i++ % times.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ParseTimeAbsl(benchmark::State& state) {
  const std::vector<std::string> times = CanonicalTimes();
  size_t i = 0;
  for (auto _ : state) {
    absl::Time t;
    std::string error;
    // As ParseTimeUs called it: the text copied into a std::string.
    benchmark::DoNotOptimize(absl::ParseTime(
        absl::RFC3339_full, std::string(times[i++ % times.size()]), &t, &error));
    benchmark::DoNotOptimize(absl::ToUnixMicros(t));
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

void RegisterCpuBenchmarks() {
  benchmark::RegisterBenchmark("cpu/sha256/ledger", BM_Sha256Ledger);
  benchmark::RegisterBenchmark("cpu/sha256/evp_reused", BM_Sha256EvpReused);
  benchmark::RegisterBenchmark("cpu/parse_time/ledger", BM_ParseTimeLedger);
  benchmark::RegisterBenchmark("cpu/parse_time/absl", BM_ParseTimeAbsl);
}

}  // namespace ledger::bench
