#include "ledger/write_path/refusal_journal.h"

#include <optional>
#include <vector>

#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/v1/rejection.pb.h"

namespace ledger {
namespace {

constexpr int64_t kPruneEveryUs = int64_t{60} * 1000 * 1000;

// The name of the command's kind as in its JSON ("request_refund"); empty
// when it has none.
std::string KindName(const v1::Command& command) {
  const google::protobuf::OneofDescriptor* kind =
      v1::Command::descriptor()->FindOneofByName("kind");
  if (kind == nullptr) return std::string();
  const google::protobuf::FieldDescriptor* field =
      command.GetReflection()->GetOneofFieldDescriptor(command, kind);
  return field == nullptr ? std::string() : field->name();
}

}  // namespace

absl::Status RefusalJournal::Open() {
  ASSIGN_OR_RETURN(std::optional<std::string> last, store_->LastRejectionKey());
  if (last.has_value()) {
    ASSIGN_OR_RETURN(uint64_t counter, RejectionKeyCounter(*last));
    next_counter_ = counter + 1;
  }
  return BuildIndex(last);
}

absl::StatusOr<bool> RefusalJournal::HasEntry(std::string_view key) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value, ValueOf(key));
  return value.has_value();
}

absl::Status RefusalJournal::BuildIndex(
    const std::optional<std::string>& last) {
  if (store_->rejections() == nullptr) return absl::OkStatus();
  const std::string marker(kRejectionIndexBuiltKey, 1);
  ASSIGN_OR_RETURN(bool built, HasEntry(marker));
  if (built && last.has_value()) {
    // A build without the index may have written since the marker: its
    // last refusal then has no index entry, and the index is redone.
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     ValueOf(*last));
    v1::RejectionRecord record;
    if (value.has_value() &&
        record.ParseFromArray(value->data(), static_cast<int>(value->size())) &&
        !record.customer().empty()) {
      ASSIGN_OR_RETURN(built,
                       HasEntry(RejectionIndexKey(record.customer(), *last)));
    }
  }
  if (built) return absl::OkStatus();
  // Once per journal made before the index: every refusal's entry (a Put
  // of an entry that is there already changes nothing), in batches of a
  // bounded size, then the marker, synced.
  constexpr int kEntriesPerBatch = 10000;
  rocksdb::WriteBatch batch;
  RETURN_IF_ERROR(store_->ScanFamily(
      store_->rejections(), nullptr, EncodeRejectionKey(0, 0), marker,
      [&](std::string_view key,
          std::string_view value) -> absl::StatusOr<bool> {
        v1::RejectionRecord record;
        // One that does not parse names no customer to index it under; it
        // is not worth refusing to open the ledger for (the journal is no
        // fact of it), and a scan still reports it as DataLoss.
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
            record.customer().empty()) {
          return true;
        }
        batch.Put(store_->rejections(), RejectionIndexKey(record.customer(), key),
                  rocksdb::Slice())
            .PermitUncheckedError();
        if (batch.Count() >= kEntriesPerBatch) {
          RETURN_IF_ERROR(store_->Write(batch, false));
          batch.Clear();
        }
        return true;
      }));
  batch.Put(store_->rejections(), marker, rocksdb::Slice())
      .PermitUncheckedError();
  return store_->Write(batch, true);
}

absl::StatusOr<std::optional<std::string>> RefusalJournal::ValueOf(
    std::string_view key) const {
  return store_->GetFromFamily(store_->rejections(), nullptr, key);
}

void RefusalJournal::Record(const v1::Command& command,
                            const SubmitResult& result, std::string_view actor,
                            int64_t now_us, rocksdb::WriteBatch& batch) {
  if (!enabled()) return;
  v1::RejectionRecord record;
  record.set_key(result.key.value_or(command.key()));
  record.set_customer(command.customer());
  record.set_kind(KindName(command));
  record.set_code(result.code);
  record.set_message(result.message);
  record.set_recorded_at_us(now_us);
  record.set_actor(std::string(actor));
  record.set_at(command.at());
  // A Put into a WriteBatch only fails past its 4 GiB bound, which a group
  // cannot reach (max_batch_commands of a few hundred bytes each).
  const std::string key = EncodeRejectionKey(now_us, next_counter_++);
  batch.Put(store_->rejections(), key, record.SerializeAsString())
      .PermitUncheckedError();
  // Its customer's index entry, in the same batch: both or neither.
  if (!command.customer().empty()) {
    batch.Put(store_->rejections(), RejectionIndexKey(command.customer(), key),
              rocksdb::Slice())
        .PermitUncheckedError();
  }
}

void RefusalJournal::Prune(int64_t now_us, rocksdb::WriteBatch& batch) {
  if (!enabled()) return;
  if (last_prune_us_ != std::numeric_limits<int64_t>::min() &&
      now_us - last_prune_us_ < kPruneEveryUs) {
    return;
  }
  last_prune_us_ = now_us;
  const int64_t retention_us =
      std::chrono::duration_cast<std::chrono::microseconds>(retention_).count();
  const int64_t cut = now_us - retention_us;
  if (cut <= 0) return;
  // The expired refusals are read for their customers' index entries,
  // deleted one by one; the refusals themselves go as one range tombstone
  // (RocksDB drops the range's entries in its compactions). At most
  // kMaxPrunedPerSweep a sweep, so a group never waits on a long read: a
  // sweep that stops there lets the next group's sweep go on at once.
  const std::string end = EncodeRejectionKey(cut, 0);
  std::string until = end;
  std::vector<std::string> index_keys;
  size_t expired = 0;
  absl::Status read = store_->ScanFamily(
      store_->rejections(), nullptr, EncodeRejectionKey(0, 0), end,
      [&](std::string_view key,
          std::string_view value) -> absl::StatusOr<bool> {
        if (expired == kMaxPrunedPerSweep) {
          until = std::string(key);
          return false;
        }
        ++expired;
        v1::RejectionRecord record;
        // One that does not parse has no customer to find: its entry, if
        // any, stays (a reader skips an entry without its refusal).
        if (record.ParseFromArray(value.data(), static_cast<int>(value.size())) &&
            !record.customer().empty()) {
          index_keys.push_back(RejectionIndexKey(record.customer(), key));
        }
        return true;
      });
  // Unread, nothing is deleted: the refusals and their entries stay
  // together until a later sweep.
  if (!read.ok() || expired == 0) return;
  if (until != end) last_prune_us_ = std::numeric_limits<int64_t>::min();
  for (const std::string& key : index_keys) {
    batch.Delete(store_->rejections(), key).PermitUncheckedError();
  }
  batch.DeleteRange(store_->rejections(), EncodeRejectionKey(0, 0), until)
      .PermitUncheckedError();
}

}  // namespace ledger
