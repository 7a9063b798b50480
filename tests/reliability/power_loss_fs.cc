#include "tests/reliability/power_loss_fs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ledger::testing {

namespace fs = std::filesystem;

struct PowerLossFileSystem::FileRecord {
  uint64_t size = 0;     // bytes written through its handles
  uint64_t durable = 0;  // bytes covered by the last counted sync
  bool open = false;     // a handle is open for writing
  bool table = false;    // an SST file
  bool wal = false;      // a write-ahead log
};

namespace {

std::string Normal(const std::string& path) {
  std::string p = fs::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string Parent(const std::string& path) {
  return fs::path(path).parent_path().string();
}

std::string NameOf(const std::string& path) {
  return fs::path(path).filename().string();
}

std::set<std::string> EntriesOf(const std::string& folder) {
  std::set<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(folder, ec)) {
    names.insert(e.path().filename().string());
  }
  return names;
}

std::string ReadPrefix(const std::string& path, uint64_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string out(bytes, '\0');
  in.read(out.data(), static_cast<std::streamsize>(bytes));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

// A file open for writing: every append counted, every successful sync
// recorded with the size it covers.
class PowerLossFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  PowerLossFile(std::unique_ptr<rocksdb::FSWritableFile> file,
                PowerLossFileSystem* fs,
                std::shared_ptr<PowerLossFileSystem::FileRecord> record)
      : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs),
        record_(std::move(record)) {}
  ~PowerLossFile() override { fs_->Closed(*record_); }

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->Append(data, options, dbg);
    if (s.ok()) fs_->Appended(*record_, data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo&,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  // Writes at an offset (direct I/O only): not modelled, so refused.
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t,
                                     const rocksdb::IOOptions&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("PowerLossFileSystem: positioned append");
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t,
                                     const rocksdb::IOOptions&,
                                     const rocksdb::DataVerificationInfo&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("PowerLossFileSystem: positioned append");
  }
  // The model, not the device, decides what a sync kept (Restore rewrites
  // the files from it), so the real fsync is skipped: it would only cost
  // the test its time. The size is read before the sync: bytes appended
  // while it runs (a thread-safe sync of the WAL beside its writer) are
  // not covered.
  rocksdb::IOStatus Sync(const rocksdb::IOOptions&,
                         rocksdb::IODebugContext*) override {
    fs_->Synced(*record_, fs_->SizeOf(*record_));
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&,
                          rocksdb::IODebugContext*) override {
    fs_->Synced(*record_, fs_->SizeOf(*record_));
    return rocksdb::IOStatus::OK();
  }
  // RangeSync (sync_file_range) starts writeback but promises nothing after
  // a power cut: passed through, never counted.
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->Close(options, dbg);
    fs_->Closed(*record_);
    return s;
  }

 private:
  PowerLossFileSystem* const fs_;
  const std::shared_ptr<PowerLossFileSystem::FileRecord> record_;
};

// A folder opened for fsync: a successful fsync makes its entries, as they
// were when it began, durable.
class PowerLossFolder : public rocksdb::FSDirectoryWrapper {
 public:
  PowerLossFolder(std::unique_ptr<rocksdb::FSDirectory> folder,
                  PowerLossFileSystem* fs, std::string path)
      : FSDirectoryWrapper(std::move(folder)), fs_(fs), path_(std::move(path)) {}

  // As for files, the real fsync is skipped: the model keeps the entries.
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&,
                          rocksdb::IODebugContext*) override {
    fs_->FolderSynced(path_);
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus FsyncWithDirOptions(
      const rocksdb::IOOptions&, rocksdb::IODebugContext*,
      const rocksdb::DirFsyncOptions&) override {
    fs_->FolderSynced(path_);
    return rocksdb::IOStatus::OK();
  }

 private:
  PowerLossFileSystem* const fs_;
  const std::string path_;
};

rocksdb::IOStatus Unmodelled(const char* what) {
  return rocksdb::IOStatus::NotSupported(
      absl::StrCat("PowerLossFileSystem does not model ", what));
}

}  // namespace

PowerLossFileSystem::PowerLossFileSystem(const std::string& root)
    : FileSystemWrapper(rocksdb::FileSystem::Default()), root_(Normal(root)) {
  Reset();
}

PowerLossFileSystem::~PowerLossFileSystem() = default;

std::unique_ptr<rocksdb::Env> PowerLossFileSystem::NewEnv() {
  // The Env shares this file system without owning it.
  return rocksdb::NewCompositeEnv(
      std::shared_ptr<rocksdb::FileSystem>(this, [](rocksdb::FileSystem*) {}));
}

bool PowerLossFileSystem::Tracked(const std::string& path) const {
  const std::string p = Normal(path);
  return p.size() > root_.size() && p.compare(0, root_.size(), root_) == 0 &&
         p[root_.size()] == '/';
}

void PowerLossFileSystem::PowerCut() {
  std::lock_guard<std::mutex> lock(mu_);
  Cut();
}

void PowerLossFileSystem::Cut() {
  if (cut_) return;
  cut_ = true;
  at_cut_ = PowerCutDamage();
  for (const auto& [path, record] : files_) {
    if (!record->open) continue;
    if (record->table) ++at_cut_.tables_in_progress;
    if (record->wal && record->size > record->durable) {
      ++at_cut_.wal_files_with_unsynced;
    }
  }
}

bool PowerLossFileSystem::IsCut() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cut_;
}

int PowerLossFileSystem::syncs_counted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_counted_;
}

void PowerLossFileSystem::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  cut_ = false;
  at_cut_ = PowerCutDamage();
  syncs_counted_ = 0;
  cut_after_syncs_ = 0;
  cut_at_table_append_ = 0;
  table_appends_ = 0;
  cut_at_wal_append_ = 0;
  wal_appends_ = 0;
  files_.clear();
  kept_.clear();
  durable_entries_.clear();
  durable_entries_[root_] = EntriesOf(root_);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory()) {
      const std::string folder = Normal(it->path().string());
      durable_entries_[folder] = EntriesOf(folder);
    }
  }
}

std::shared_ptr<PowerLossFileSystem::FileRecord> PowerLossFileSystem::RecordFor(
    const std::string& path, bool truncated) {
  auto it = files_.find(path);
  if (it == files_.end() || truncated) {
    auto record = std::make_shared<FileRecord>();
    if (!truncated) {
      // Reopened for appending and unseen since Reset: durable as it is.
      std::error_code ec;
      const uint64_t size = fs::exists(path, ec) ? fs::file_size(path, ec) : 0;
      record->size = record->durable = ec ? 0 : size;
    }
    record->table = absl::EndsWith(path, ".sst");
    record->wal = absl::EndsWith(path, ".log");
    it = files_.insert_or_assign(path, std::move(record)).first;
  }
  it->second->open = true;
  return it->second;
}

uint64_t PowerLossFileSystem::DurableSize(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) return it->second->durable;
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

void PowerLossFileSystem::KeepDurableBytes(const std::string& path) {
  if (kept_.count(path) != 0) return;
  auto folder = durable_entries_.find(Parent(path));
  if (folder == durable_entries_.end() ||
      folder->second.count(NameOf(path)) == 0) {
    return;  // not a durable name: nothing to bring back
  }
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return;
  kept_[path] = ReadPrefix(path, DurableSize(path));
}

rocksdb::IOStatus PowerLossFileSystem::NewWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  if (!Tracked(name)) return target()->NewWritableFile(name, options, result, dbg);
  const std::string path = Normal(name);
  std::lock_guard<std::mutex> lock(mu_);
  rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
  if (!s.ok()) return s;
  // A new file, or an existing one emptied: none of its bytes is durable
  // (for an existing file the harshest outcome a power cut may leave).
  *result = std::make_unique<PowerLossFile>(std::move(*result), this,
                                            RecordFor(path, /*truncated=*/true));
  return s;
}

rocksdb::IOStatus PowerLossFileSystem::ReopenWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  if (!Tracked(name)) {
    return target()->ReopenWritableFile(name, options, result, dbg);
  }
  const std::string path = Normal(name);
  std::lock_guard<std::mutex> lock(mu_);
  rocksdb::IOStatus s = target()->ReopenWritableFile(name, options, result, dbg);
  if (!s.ok()) return s;
  *result = std::make_unique<PowerLossFile>(std::move(*result), this,
                                            RecordFor(path, false));
  return s;
}

rocksdb::IOStatus PowerLossFileSystem::ReuseWritableFile(
    const std::string& name, const std::string& old_name,
    const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result,
    rocksdb::IODebugContext* dbg) {
  if (Tracked(name)) return Unmodelled("reused files");
  return target()->ReuseWritableFile(name, old_name, options, result, dbg);
}

rocksdb::IOStatus PowerLossFileSystem::NewRandomRWFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
    rocksdb::IODebugContext* dbg) {
  if (Tracked(name)) return Unmodelled("random read-write files");
  return target()->NewRandomRWFile(name, options, result, dbg);
}

rocksdb::IOStatus PowerLossFileSystem::LinkFile(
    const std::string& src, const std::string& target_name,
    const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  if (Tracked(src) || Tracked(target_name)) return Unmodelled("hard links");
  return target()->LinkFile(src, target_name, options, dbg);
}

rocksdb::IOStatus PowerLossFileSystem::NewDirectory(
    const std::string& name, const rocksdb::IOOptions& options,
    std::unique_ptr<rocksdb::FSDirectory>* result,
    rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = target()->NewDirectory(name, options, result, dbg);
  if (s.ok() && (Tracked(name) || Normal(name) == root_)) {
    *result = std::make_unique<PowerLossFolder>(std::move(*result), this,
                                                Normal(name));
  }
  return s;
}

rocksdb::IOStatus PowerLossFileSystem::DeleteFile(
    const std::string& name, const rocksdb::IOOptions& options,
    rocksdb::IODebugContext* dbg) {
  if (!Tracked(name)) return target()->DeleteFile(name, options, dbg);
  const std::string path = Normal(name);
  std::lock_guard<std::mutex> lock(mu_);
  KeepDurableBytes(path);
  rocksdb::IOStatus s = target()->DeleteFile(name, options, dbg);
  if (s.ok()) files_.erase(path);
  return s;
}

rocksdb::IOStatus PowerLossFileSystem::RenameFile(
    const std::string& src, const std::string& target_name,
    const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  if (!Tracked(src) && !Tracked(target_name)) {
    return target()->RenameFile(src, target_name, options, dbg);
  }
  if (!Tracked(src) || !Tracked(target_name)) {
    return Unmodelled("renames into or out of the root");
  }
  const std::string from = Normal(src);
  const std::string to = Normal(target_name);
  std::lock_guard<std::mutex> lock(mu_);
  KeepDurableBytes(from);
  KeepDurableBytes(to);
  rocksdb::IOStatus s = target()->RenameFile(src, target_name, options, dbg);
  if (!s.ok()) return s;
  // The data goes with the file: `to` now names what `from` named.
  auto moved = files_.find(from);
  files_.erase(to);
  if (moved != files_.end()) {
    files_[to] = moved->second;
    files_.erase(moved);
  }
  return s;
}

rocksdb::IOStatus PowerLossFileSystem::Truncate(
    const std::string& name, size_t size, const rocksdb::IOOptions& options,
    rocksdb::IODebugContext* dbg) {
  if (!Tracked(name)) return target()->Truncate(name, size, options, dbg);
  const std::string path = Normal(name);
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t durable = DurableSize(path);
  rocksdb::IOStatus s = target()->Truncate(name, size, options, dbg);
  if (!s.ok()) return s;
  std::shared_ptr<FileRecord> record = RecordFor(path, false);
  record->open = false;
  record->size = size;
  record->durable = std::min<uint64_t>(durable, size);
  return s;
}

void PowerLossFileSystem::Appended(FileRecord& record, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  record.size += bytes;
  if (record.table && ++table_appends_ == cut_at_table_append_) Cut();
  if (record.wal && ++wal_appends_ == cut_at_wal_append_) Cut();
}

void PowerLossFileSystem::CutAtWalAppend(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  cut_at_wal_append_ = n;
}

void PowerLossFileSystem::CutAtTableAppend(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  cut_at_table_append_ = n;
}

uint64_t PowerLossFileSystem::SizeOf(FileRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  return record.size;
}

void PowerLossFileSystem::Synced(FileRecord& record, uint64_t size_before_sync) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cut_) return;
  record.durable = std::max(record.durable, size_before_sync);
  CountSync();
}

void PowerLossFileSystem::CountSync() {
  ++syncs_counted_;
  if (cut_after_syncs_ > 0 && syncs_counted_ >= cut_after_syncs_) Cut();
}

void PowerLossFileSystem::CutAfterSyncs(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  cut_after_syncs_ = n;
}

void PowerLossFileSystem::Closed(FileRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  record.open = false;
}

void PowerLossFileSystem::FolderSynced(const std::string& folder) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cut_) return;
  // Listed under the lock every create, delete and rename through the
  // model holds, so the entries and what is kept for them agree (a delete
  // between a listing and this record once left a durable name with
  // neither its file nor its kept bytes).
  durable_entries_[folder] = EntriesOf(folder);
  // What was kept for names of this folder is now durably gone or
  // durably replaced.
  for (auto it = kept_.begin(); it != kept_.end();) {
    it = Parent(it->first) == folder ? kept_.erase(it) : std::next(it);
  }
  CountSync();
}

absl::Status PowerLossFileSystem::Restore(PowerCutDamage* damage) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!cut_) return absl::FailedPreconditionError("Restore before PowerCut");
  PowerCutDamage local;
  if (damage == nullptr) damage = &local;
  damage->wal_files_with_unsynced += at_cut_.wal_files_with_unsynced;
  damage->tables_in_progress += at_cut_.tables_in_progress;
  // The bytes: every file cut back to what its last counted sync covered.
  for (const auto& [path, record] : files_) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    const uint64_t size = fs::file_size(path, ec);
    if (ec || size <= record->durable) continue;
    fs::resize_file(path, record->durable, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot truncate ", path, ": ", ec.message()));
    }
    damage->bytes_dropped += size - record->durable;
    ++damage->files_truncated;
  }
  // The names: every folder back to its entries at its last fsync.
  return RestoreFolder(root_, damage);
}

absl::Status PowerLossFileSystem::RestoreFolder(const std::string& folder,
                                                PowerCutDamage* damage) {
  auto found = durable_entries_.find(folder);
  const std::set<std::string> durable =
      found == durable_entries_.end() ? std::set<std::string>() : found->second;
  std::error_code ec;
  for (const std::string& name : EntriesOf(folder)) {
    if (durable.count(name) != 0) continue;
    fs::remove_all(fs::path(folder) / name, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot remove ", folder, "/",
                                              name, ": ", ec.message()));
    }
    ++damage->entries_removed;
  }
  for (const std::string& name : durable) {
    const std::string path = folder + "/" + name;
    auto kept = kept_.find(path);
    if (kept != kept_.end()) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(kept->second.data(),
                static_cast<std::streamsize>(kept->second.size()));
      if (!out.flush()) {
        return absl::InternalError(absl::StrCat("cannot restore ", path));
      }
      ++damage->entries_restored;
      continue;
    }
    if (!fs::exists(path, ec)) {
      return absl::InternalError(absl::StrCat(
          "the model cannot bring back ", path,
          ": a durable entry removed behind its back"));
    }
    if (fs::is_directory(path, ec)) {
      if (absl::Status s = RestoreFolder(path, damage); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> ReadTree(const std::string& folder) {
  std::map<std::string, std::string> tree;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string rel = fs::relative(it->path(), folder).string();
    if (it->is_directory()) {
      tree[rel] = "/";
    } else {
      std::ifstream in(it->path(), std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      tree[rel] = bytes.str();
    }
  }
  return tree;
}

}  // namespace ledger::testing
