// CPU costs inside one command, to explain the ledger's figures:
//   cpu/sha256/ledger: ledger::Sha256 (ledger/base/sha256.cc) of a previous hash
//     and an event of the measured size, as the writer and replay call it
//     (twice per accepted command: fingerprint and hash chain);
//   cpu/sha256/evp_reused: the same digest through one EVP_MD fetched once
//     and one reused EVP_MD_CTX: what a hash costs without the per-call
//     context allocation and algorithm lookup.
#include <openssl/evp.h>

#include <cmath>
#include <string>

#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"
#include "ledger/base/sha256.h"

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

}  // namespace

void RegisterCpuBenchmarks() {
  benchmark::RegisterBenchmark("cpu/sha256/ledger", BM_Sha256Ledger);
  benchmark::RegisterBenchmark("cpu/sha256/evp_reused", BM_Sha256EvpReused);
}

}  // namespace ledger::bench
