// Measures what one accepted `use` writes, so the raw RocksDB baseline can
// write the same bytes and keys: a real ledger takes purchases for 1000
// customers, then 10 000 uses in batches of 1000; the families are then read
// back with raw RocksDB and averaged over the uses alone. The ledger's WAL
// growth over the uses is kept as a check on the sum.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "bench/bench_fixtures.h"
#include "ledger/storage/storage_layout.h"

namespace ledger::bench {
namespace {

constexpr uint64_t kShapeCustomers = 1000;
constexpr uint64_t kShapeUses = 10000;
constexpr size_t kShapeBatch = 1000;

struct Sum {
  double keys = 0;
  double values = 0;
  double count = 0;
  void Add(size_t key, size_t value) {
    keys += static_cast<double>(key);
    values += static_cast<double>(value);
    count += 1;
  }
  CommandShape::Put Average() const {
    if (count == 0) return {};
    return {keys / count, values / count};
  }
};

// The state family's entity type: the byte after the customer's "\0".
char StateType(const rocksdb::Slice& key) {
  std::string_view k(key.data(), key.size());
  size_t sep = k.find('\0');
  return sep == std::string_view::npos || sep + 1 >= k.size() ? '?' : k[sep + 1];
}

void Scan(RawDb& raw, rocksdb::ColumnFamilyHandle* family,
          const std::function<void(const rocksdb::Slice&, const rocksdb::Slice&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(ScanOptions(), family));
  for (it->SeekToFirst(); it->Valid(); it->Next()) fn(it->key(), it->value());
  if (!it->status().ok()) {
    std::cerr << "ledger_bench: scanning " << it->status().ToString() << "\n";
    std::exit(1);
  }
}

CommandShape Measure() {
  const std::string dir = NewDir("command-shape");
  CommandShape shape;
  {
    std::unique_ptr<Ledger> ledger = OpenLedgerOrDie(dir, /*sync=*/false);
    std::vector<v1::Command> commands;
    for (uint64_t c = 0; c < kShapeCustomers; ++c) {
      commands.push_back(PurchaseCommand(c));
    }
    SubmitAllOrDie(*ledger, commands, kShapeBatch);
    commands.clear();
    for (uint64_t n = 0; n < kShapeUses; ++n) {
      commands.push_back(UseCommand(n % kShapeCustomers, n));
    }
    const uint64_t wal_before = WalBytes(dir);
    SubmitAllOrDie(*ledger, commands, kShapeBatch);
    shape.wal_bytes_per_command =
        static_cast<double>(WalBytes(dir) - wal_before) / kShapeUses;
  }
  std::unique_ptr<RawDb> raw = RawDb::OpenOrDie(dir, /*read_only=*/true);
  Sum event, key, header, lot, usage, head, customer_event;
  Scan(*raw, raw->events(), [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    absl::StatusOr<uint64_t> seq = DecodeEventKey(std::string_view(k.data(), k.size()));
    if (seq.ok() && *seq > kShapeCustomers) event.Add(k.size(), v.size());
  });
  Scan(*raw, raw->keys(), [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    if (k.starts_with("u-")) key.Add(k.size(), v.size());
  });
  Scan(*raw, raw->state(), [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    switch (StateType(k)) {
      case 'H': header.Add(k.size(), v.size()); break;
      case 'L': lot.Add(k.size(), v.size()); break;
      case 'U': usage.Add(k.size(), v.size()); break;
      default: break;
    }
  });
  Scan(*raw, raw->meta(), [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    if (k == kHeadKey) head.Add(k.size(), v.size());
  });
  Scan(*raw, raw->customer_events(),
       [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
         absl::StatusOr<std::pair<std::string, uint64_t>> entry =
             DecodeCustomerEventKey(std::string_view(k.data(), k.size()));
         if (entry.ok() && entry->second > kShapeCustomers) {
           customer_event.Add(k.size(), v.size());
         }
       });
  if (event.count != kShapeUses || key.count != kShapeUses ||
      usage.count != kShapeUses || header.count != kShapeCustomers ||
      customer_event.count != kShapeUses) {
    std::cerr << "ledger_bench: the calibration ledger does not hold what was "
                 "submitted (" << event.count << " use events)\n";
    std::exit(1);
  }
  shape.event = event.Average();
  shape.key = key.Average();
  shape.header = header.Average();
  shape.lot = lot.Average();
  shape.usage = usage.Average();
  shape.head = head.Average();
  shape.customer_event = customer_event.Average();
  return shape;
}

}  // namespace

const CommandShape& MeasuredUseShape() {
  static const CommandShape* shape = new CommandShape(Measure());
  return *shape;
}

}  // namespace ledger::bench
