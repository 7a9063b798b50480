// FileOps (ledger/base/durable_file.h) over a RocksDB FileSystem, so that
// the ledger creates its folder through the same file system as its
// database: the one a test may replace with a model of a power cut.
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_ROCKS_FILE_OPS_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_ROCKS_FILE_OPS_H_

#include <string>
#include <string_view>

#include "ledger/base/durable_file.h"
#include "rocksdb/file_system.h"

namespace ledger {

class RocksFileOps : public FileOps {
 public:
  // REQUIRES: `fs` outlives this object.
  explicit RocksFileOps(rocksdb::FileSystem* fs) : fs_(fs) {}

  bool Exists(const std::string& path) override;
  [[nodiscard]] absl::Status CreateFolder(const std::string& path) override;
  [[nodiscard]] absl::Status WriteAndSync(const std::string& path,
                                          std::string_view bytes) override;
  [[nodiscard]] absl::Status Rename(const std::string& from,
                                    const std::string& to) override;
  [[nodiscard]] absl::Status SyncFolder(const std::string& path) override;

 private:
  rocksdb::FileSystem* const fs_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_ROCKS_FILE_OPS_H_
