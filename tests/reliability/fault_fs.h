// A RocksDB FileSystem that fails one kind of operation on command (the
// storage faults of docs/reliability.md), or holds WAL syncs at a gate. It wraps the default file system
// and is handed to the ledger as an Env (NewCompositeEnv) through
// OpenLedgerWithEnv, so every file the database touches goes through it.
//
//   FaultInjector faults;
//   std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
//   auto ledger = OpenLedgerWithEnv(Options(), dir, env.get());
//   faults.Arm(FaultPoint::kWalSync);   // the next WAL sync fails
#ifndef CREDIT_LEDGER_TESTS_RELIABILITY_FAULT_FS_H_
#define CREDIT_LEDGER_TESTS_RELIABILITY_FAULT_FS_H_

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace ledger::testing {

enum class FaultPoint {
  kNone,
  kWalAppend,      // Append to a write-ahead log file fails, nothing written
  kWalTornAppend,  // Append writes the first half of its bytes, then fails
  kWalSync,        // Sync / Fsync of a write-ahead log file fails
  kTableRead,      // a read of an SST file fails
  kAnyRead,        // any read (SST, WAL, MANIFEST) fails
};

inline const char* FaultPointName(FaultPoint p) {
  switch (p) {
    case FaultPoint::kNone: return "none";
    case FaultPoint::kWalAppend: return "wal-append";
    case FaultPoint::kWalTornAppend: return "wal-torn-append";
    case FaultPoint::kWalSync: return "wal-sync";
    case FaultPoint::kTableRead: return "table-read";
    case FaultPoint::kAnyRead: return "any-read";
  }
  return "?";
}

// Out of space (docs/reliability.md, "A full disk"): where a write fails
// the way a full disk fails it, with RocksDB's NoSpace status (ENOSPC), so
// the ledger takes it for a full disk and not for a broken one.
enum class NoSpacePoint {
  kNone,
  kWalAppend,       // Append to a write-ahead log file
  kWalSync,         // Sync / Fsync of a write-ahead log file
  kFlushWrite,      // Append to a table file written by a memtable flush
  kCompactionWrite, // Append to a table file written by a compaction
  kManifestWrite,   // Append to the database's own MANIFEST
};

inline const char* NoSpacePointName(NoSpacePoint p) {
  switch (p) {
    case NoSpacePoint::kNone: return "none";
    case NoSpacePoint::kWalAppend: return "wal-append";
    case NoSpacePoint::kWalSync: return "wal-sync";
    case NoSpacePoint::kFlushWrite: return "flush";
    case NoSpacePoint::kCompactionWrite: return "compaction";
    case NoSpacePoint::kManifestWrite: return "manifest";
  }
  return "?";
}

// Shared by the file system and every file it opened. Thread-safe.
class FaultInjector {
 public:
  // Makes every later operation of kind `point` fail (after `skip` of them
  // succeed) until Disarm().
  void Arm(FaultPoint point, int skip = 0) {
    skip_.store(skip);
    point_.store(point);
  }
  void Disarm() { point_.store(FaultPoint::kNone); }
  // How many operations were failed so far.
  int injected() const { return injected_.load(); }

  // Whether this operation fails now; counts it when it does.
  bool ShouldFail(FaultPoint kind) {
    if (point_.load() != kind) return false;
    if (skip_.fetch_sub(1) > 0) return false;
    injected_.fetch_add(1);
    return true;
  }

  // The sync gate: while closed, every WAL sync waits at it (before it
  // syncs, or fails when armed to), so a test can act while a group's write
  // is in progress.
  void CloseSyncGate() {
    std::lock_guard<std::mutex> lock(gate_mu_);
    gate_closed_ = true;
  }
  void OpenSyncGate() {
    std::lock_guard<std::mutex> lock(gate_mu_);
    gate_closed_ = false;
    gate_cv_.notify_all();
  }
  // How many syncs are waiting at the gate now.
  int SyncsAtGate() {
    std::lock_guard<std::mutex> lock(gate_mu_);
    return at_gate_;
  }
  // Lets the next `n` syncs through the closed gate, in the order they
  // reach it, so a test can release one group's sync and hold the next.
  void LetSyncsThrough(int n) {
    std::lock_guard<std::mutex> lock(gate_mu_);
    passes_ += n;
    gate_cv_.notify_all();
  }
  void PassSyncGate() {
    std::unique_lock<std::mutex> lock(gate_mu_);
    ++at_gate_;
    gate_cv_.wait(lock, [this] { return !gate_closed_ || passes_ > 0; });
    if (gate_closed_) --passes_;
    --at_gate_;
  }

  std::unique_ptr<rocksdb::Env> NewEnv();

  // Makes every later write at `point` fail with NoSpace until
  // DisarmNoSpace(): the disk stays full until space is freed.
  void ArmNoSpace(NoSpacePoint point) { no_space_.store(point); }
  void DisarmNoSpace() { no_space_.store(NoSpacePoint::kNone); }
  bool no_space_armed() const { return no_space_.load() != NoSpacePoint::kNone; }
  // How many writes failed for want of space so far.
  int no_space_injected() const { return no_space_injected_.load(); }
  // Whether this write runs out of space now; counts it when it does.
  bool ShouldRunOutOfSpace(NoSpacePoint kind) {
    if (no_space_.load() != kind) return false;
    no_space_injected_.fetch_add(1);
    return true;
  }

 private:
  std::atomic<NoSpacePoint> no_space_{NoSpacePoint::kNone};
  std::atomic<int> no_space_injected_{0};
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  bool gate_closed_ = false;
  int at_gate_ = 0;
  int passes_ = 0;  // LetSyncsThrough
  std::atomic<FaultPoint> point_{FaultPoint::kNone};
  std::atomic<int> skip_{0};
  std::atomic<int> injected_{0};
};

namespace fault_internal {

inline bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline rocksdb::IOStatus Injected(const char* what) {
  return rocksdb::IOStatus::IOError(std::string("injected fault: ") + what);
}

// What the default file system answers on ENOSPC.
inline rocksdb::IOStatus InjectedNoSpace(const char* what) {
  return rocksdb::IOStatus::NoSpace(std::string("injected: ") + what,
                                    "No space left on device");
}

// RocksDB runs memtable flushes on its high-priority pool ("rocksdb:high")
// and compactions on its low one ("rocksdb:low"): the thread tells a table
// file of a flush from one of a compaction.
inline bool OnThreadNamed(const char* name) {
  char current[32] = {};
  pthread_getname_np(pthread_self(), current, sizeof(current));
  return std::string(current) == name;
}

// A table file or the MANIFEST: runs out of space on command.
class SpaceFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  SpaceFile(std::unique_ptr<rocksdb::FSWritableFile> file, bool table,
            FaultInjector* f)
      : FSWritableFileOwnerWrapper(std::move(file)), table_(table),
        faults_(f) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (table_ && OnThreadNamed("rocksdb:high") &&
        faults_->ShouldRunOutOfSpace(NoSpacePoint::kFlushWrite)) {
      return InjectedNoSpace("flush write");
    }
    if (table_ && OnThreadNamed("rocksdb:low") &&
        faults_->ShouldRunOutOfSpace(NoSpacePoint::kCompactionWrite)) {
      return InjectedNoSpace("compaction write");
    }
    if (!table_ && faults_->ShouldRunOutOfSpace(NoSpacePoint::kManifestWrite)) {
      return InjectedNoSpace("MANIFEST write");
    }
    return target()->Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo&,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }

 private:
  bool table_;
  FaultInjector* faults_;
};

class WalFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  WalFile(std::unique_ptr<rocksdb::FSWritableFile> file, FaultInjector* f)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(f) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (faults_->ShouldFail(FaultPoint::kWalAppend)) {
      return Injected("WAL append");
    }
    if (faults_->ShouldRunOutOfSpace(NoSpacePoint::kWalAppend)) {
      return InjectedNoSpace("WAL append");
    }
    if (faults_->ShouldFail(FaultPoint::kWalTornAppend)) {
      // A torn write: the first half reaches the file, then the device fails.
      rocksdb::Slice half(data.data(), data.size() / 2);
      (void)target()->Append(half, options, dbg);
      (void)target()->Flush(options, dbg);
      return Injected("WAL append (torn)");
    }
    return target()->Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo&,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* dbg) override {
    faults_->PassSyncGate();
    if (faults_->ShouldFail(FaultPoint::kWalSync)) return Injected("WAL sync");
    if (faults_->ShouldRunOutOfSpace(NoSpacePoint::kWalSync)) {
      return InjectedNoSpace("WAL sync");
    }
    return target()->Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    faults_->PassSyncGate();
    if (faults_->ShouldFail(FaultPoint::kWalSync)) return Injected("WAL fsync");
    if (faults_->ShouldRunOutOfSpace(NoSpacePoint::kWalSync)) {
      return InjectedNoSpace("WAL fsync");
    }
    return target()->Fsync(options, dbg);
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    if (faults_->ShouldFail(FaultPoint::kWalSync)) {
      return Injected("WAL range sync");
    }
    return target()->RangeSync(offset, nbytes, options, dbg);
  }

 private:
  FaultInjector* faults_;
};

class RandomFile : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  RandomFile(std::unique_ptr<rocksdb::FSRandomAccessFile> file, bool table,
             FaultInjector* f)
      : FSRandomAccessFileOwnerWrapper(std::move(file)), table_(table),
        faults_(f) {}

  rocksdb::IOStatus Read(uint64_t offset, size_t n,
                         const rocksdb::IOOptions& options,
                         rocksdb::Slice* result, char* scratch,
                         rocksdb::IODebugContext* dbg) const override {
    if (Fail()) return Injected("read");
    return target()->Read(offset, n, options, result, scratch, dbg);
  }
  rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    if (Fail()) {
      for (size_t i = 0; i < num_reqs; ++i) reqs[i].status = Injected("read");
      return Injected("multi-read");
    }
    return target()->MultiRead(reqs, num_reqs, options, dbg);
  }

 private:
  bool Fail() const {
    return (table_ && faults_->ShouldFail(FaultPoint::kTableRead)) ||
           faults_->ShouldFail(FaultPoint::kAnyRead);
  }
  bool table_;
  FaultInjector* faults_;
};

class SequentialFile : public rocksdb::FSSequentialFileOwnerWrapper {
 public:
  SequentialFile(std::unique_ptr<rocksdb::FSSequentialFile> file,
                 FaultInjector* f)
      : FSSequentialFileOwnerWrapper(std::move(file)), faults_(f) {}

  rocksdb::IOStatus Read(size_t n, const rocksdb::IOOptions& options,
                         rocksdb::Slice* result, char* scratch,
                         rocksdb::IODebugContext* dbg) override {
    if (faults_->ShouldFail(FaultPoint::kAnyRead)) return Injected("read");
    return target()->Read(n, options, result, scratch, dbg);
  }
  rocksdb::IOStatus PositionedRead(uint64_t offset, size_t n,
                                   const rocksdb::IOOptions& options,
                                   rocksdb::Slice* result, char* scratch,
                                   rocksdb::IODebugContext* dbg) override {
    if (faults_->ShouldFail(FaultPoint::kAnyRead)) return Injected("read");
    return target()->PositionedRead(offset, n, options, result, scratch, dbg);
  }

 private:
  FaultInjector* faults_;
};

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultyFileSystem(FaultInjector* f)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), faults_(f) {}
  const char* Name() const override { return "FaultyFileSystem"; }

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override {
    return Wrap(name, target()->NewWritableFile(name, options, result, dbg),
                result);
  }
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override {
    return Wrap(name, target()->ReopenWritableFile(name, options, result, dbg),
                result);
  }
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& name, const std::string& old_name,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override {
    return Wrap(name,
                target()->ReuseWritableFile(name, old_name, options, result,
                                            dbg),
                result);
  }
  // While a no-space point is armed the disk reads as full, as a real full
  // disk does, so the ledger does not resume before it is disarmed.
  rocksdb::IOStatus GetFreeSpace(const std::string& path,
                                 const rocksdb::IOOptions& options,
                                 uint64_t* free_space,
                                 rocksdb::IODebugContext* dbg) override {
    if (faults_->no_space_armed()) {
      *free_space = 0;
      return rocksdb::IOStatus::OK();
    }
    return target()->GetFreeSpace(path, options, free_space, dbg);
  }
  rocksdb::IOStatus NewRandomAccessFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s =
        target()->NewRandomAccessFile(name, options, result, dbg);
    if (s.ok()) {
      *result = std::make_unique<RandomFile>(std::move(*result),
                                             EndsWith(name, ".sst"), faults_);
    }
    return s;
  }
  rocksdb::IOStatus NewSequentialFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSSequentialFile>* result,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewSequentialFile(name, options, result, dbg);
    if (s.ok()) {
      *result = std::make_unique<SequentialFile>(std::move(*result), faults_);
    }
    return s;
  }

 private:
  rocksdb::IOStatus Wrap(const std::string& name, rocksdb::IOStatus s,
                         std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (s.ok() && EndsWith(name, ".log")) {
      *result = std::make_unique<WalFile>(std::move(*result), faults_);
    } else if (s.ok() && (EndsWith(name, ".sst") ||
                          name.find("/MANIFEST-") != std::string::npos)) {
      *result = std::make_unique<SpaceFile>(std::move(*result),
                                            EndsWith(name, ".sst"), faults_);
    }
    return s;
  }
  FaultInjector* faults_;
};

}  // namespace fault_internal

inline std::unique_ptr<rocksdb::Env> FaultInjector::NewEnv() {
  return rocksdb::NewCompositeEnv(
      std::make_shared<fault_internal::FaultyFileSystem>(this));
}

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_RELIABILITY_FAULT_FS_H_
