#include "ledger/write_path/refusal_journal.h"

#include <optional>

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
  return absl::OkStatus();
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
  batch.Put(store_->rejections(), EncodeRejectionKey(now_us, next_counter_++),
            record.SerializeAsString())
      .PermitUncheckedError();
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
  // One range tombstone a minute at most: RocksDB drops the range's
  // entries in its compactions, without reading them now.
  batch.DeleteRange(store_->rejections(), EncodeRejectionKey(0, 0),
                    EncodeRejectionKey(cut, 0))
      .PermitUncheckedError();
}

}  // namespace ledger
