// Tampering with a closed ledger's log the way an attacker with the files
// would: RocksDB opened directly, with the column families and keys of
// ledger/storage/storage_layout.h, bypassing the ledger's API. Header-only, for the
// verify, replay and trial-balance tests of the library and the CLI.
#ifndef CREDIT_LEDGER_TESTS_TAMPER_UTIL_H_
#define CREDIT_LEDGER_TESTS_TAMPER_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/base/sha256.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/v1/event.pb.h"
#include "rocksdb/db.h"

namespace ledger::testing {

class RawLog {
 public:
  // Opens the ledger in `dir` (closed by its writer) for reading and writing.
  explicit RawLog(const std::string& dir) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name : {kMetaFamily, kEventsFamily, kKeysFamily, kStateFamily}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    // RocksDB opens a database for writing only with all its families: the
    // refusal journal's, the pending-refund queue's and the customer index's
    // too, after the first four, when the ledger has them.
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
    for (const char* optional :
         {kRejectionsFamily, kPendingRefundsFamily, kCustomerEventsFamily}) {
      if (std::find(names.begin(), names.end(), optional) != names.end()) {
        families.emplace_back(optional, rocksdb::ColumnFamilyOptions());
      }
    }
    for (const rocksdb::ColumnFamilyDescriptor& f : families) {
      family_names_.push_back(f.name);
    }
    rocksdb::DBOptions options;
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir, families, &handles_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }
  ~RawLog() {
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      EXPECT_TRUE(db_->DestroyColumnFamilyHandle(h).ok());
    }
  }

  // The stored value of event `seq`: 32-byte hash, then the event's bytes.
  std::string Get(uint64_t seq) {
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), events(), EventKey(seq), &value);
    EXPECT_TRUE(s.ok()) << "event " << seq << ": " << s.ToString();
    return value;
  }
  void Put(uint64_t seq, const std::string& value) {
    EXPECT_TRUE(db_->Put(Sync(), events(), EventKey(seq), value).ok());
  }
  void Delete(uint64_t seq) {
    EXPECT_TRUE(db_->Delete(Sync(), events(), EventKey(seq)).ok());
  }
  // The idempotency index: the record stored under `key` (which must
  // exist), a record written over it, or none.
  v1::KeyRecord GetKeyRecord(const std::string& key) {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), keys(), key, &value);
    EXPECT_TRUE(s.ok()) << "key " << key << ": " << s.ToString();
    v1::KeyRecord record;
    EXPECT_TRUE(record.ParseFromString(value));
    return record;
  }
  void PutKeyRecord(const std::string& key, const v1::KeyRecord& record) {
    EXPECT_TRUE(
        db_->Put(Sync(), keys(), key, SerializeDeterministic(record)).ok());
  }
  void DeleteKeyRecord(const std::string& key) {
    EXPECT_TRUE(db_->Delete(Sync(), keys(), key).ok());
  }

  // The stored projections (the state family), by key.
  std::string GetState(const std::string& key) {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[3], key, &value);
    EXPECT_TRUE(s.ok()) << "state entry: " << s.ToString();
    return value;
  }
  void PutState(const std::string& key, const std::string& value) {
    EXPECT_TRUE(db_->Put(Sync(), handles_[3], key, value).ok());
  }
  void DeleteState(const std::string& key) {
    EXPECT_TRUE(db_->Delete(Sync(), handles_[3], key).ok());
  }

  // Any record of any family (kMetaFamily, kEventsFamily, kKeysFamily,
  // kStateFamily, kCustomerEventsFamily) as its stored bytes, for tests that change one field or
  // one byte of each record kind: every (key, value) of the family in key
  // order, a value written over or beside them, or none.
  std::vector<std::pair<std::string, std::string>> Entries(std::string_view family) {
    std::vector<std::pair<std::string, std::string>> out;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), Family(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key().ToString(), it->value().ToString());
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return out;
  }
  void PutRaw(std::string_view family, const std::string& key,
              const std::string& value) {
    EXPECT_TRUE(db_->Put(Sync(), Family(family), key, value).ok());
  }
  void DeleteRaw(std::string_view family, const std::string& key) {
    EXPECT_TRUE(db_->Delete(Sync(), Family(family), key).ok());
  }

  void PutHead(uint64_t seq, const std::string& hash) {
    v1::HeadRecord head;
    head.set_seq(seq);
    head.set_hash(hash);
    EXPECT_TRUE(db_->Put(Sync(), handles_[0], kHeadKey,
                         SerializeDeterministic(head)).ok());
  }

  // What an attacker with the files can do without a published digest:
  // changes event `from` with `change`, then recomputes the hash chain (each
  // stored hash; a header's prev_hash is not stored) and the head, so that
  // the log is consistent again. The event is stored as the writer stores
  // it (StoredEventBytes): a change to a derived header field (key,
  // customer, prev_hash, fingerprint) is dropped; change the command.
  void RewriteFrom(uint64_t from, uint64_t head_seq,
                   const std::function<void(v1::Event&)>& change) {
    std::string prev = from == 1 ? std::string(kHashBytes, '\0')
                                 : Get(from - 1).substr(0, kHashBytes);
    for (uint64_t seq = from; seq <= head_seq; ++seq) {
      v1::Event event;
      ASSERT_TRUE(event.ParseFromString(Get(seq).substr(kHashBytes)));
      if (seq == from) change(event);
      const std::string bytes = StoredEventBytes(event);
      prev = Sha256(prev, bytes);
      Put(seq, prev + bytes);
    }
    PutHead(head_seq, prev);
  }

 private:
  static rocksdb::WriteOptions Sync() {
    rocksdb::WriteOptions options;
    options.sync = true;
    return options;
  }
  rocksdb::ColumnFamilyHandle* Family(std::string_view name) {
    for (size_t i = 0; i < family_names_.size() && i < handles_.size(); ++i) {
      if (name == family_names_[i]) return handles_[i];
    }
    ADD_FAILURE() << "no column family " << name;
    return handles_[0];
  }
  rocksdb::ColumnFamilyHandle* events() { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* keys() { return handles_[2]; }

  std::vector<std::string> family_names_;  // of handles_, in order
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_TAMPER_UTIL_H_
