#include "ledger/base/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ledger {
namespace {

absl::Status SystemError(std::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat("cannot ", std::string(what), " ", path, ": ", std::strerror(errno)));
}

std::string ParentOf(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

class Posix : public FileOps {
 public:
  bool Exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  absl::Status CreateFolder(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) {
      return absl::OkStatus();
    }
    return SystemError("create", path);
  }

  absl::Status WriteAndSync(const std::string& path,
                            std::string_view bytes) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return SystemError("create", path);
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        absl::Status failed = SystemError("write", path);
        ::close(fd);
        return failed;
      }
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
      absl::Status failed = SystemError("sync", path);
      ::close(fd);
      return failed;
    }
    if (::close(fd) != 0) return SystemError("close", path);
    return absl::OkStatus();
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return SystemError(absl::StrCat("rename ", from, " to"), to);
    }
    return absl::OkStatus();
  }

  absl::Status SyncFolder(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return SystemError("open folder", path);
    if (::fsync(fd) != 0) {
      absl::Status failed = SystemError("sync folder", path);
      ::close(fd);
      return failed;
    }
    ::close(fd);
    return absl::OkStatus();
  }
};

}  // namespace

FileOps& PosixFileOps() {
  static Posix* const posix = new Posix();
  return *posix;
}

absl::Status WriteFileDurably(const std::string& path, std::string_view bytes,
                              FileOps& ops) {
  const std::string scratch = path + ".tmp";
  // The bytes are on the device before the name points at them, and the
  // name is on the device before the caller goes on.
  if (absl::Status s = ops.WriteAndSync(scratch, bytes); !s.ok()) return s;
  if (absl::Status s = ops.Rename(scratch, path); !s.ok()) return s;
  return ops.SyncFolder(ParentOf(path));
}

absl::Status CreateFoldersDurably(const std::string& path, FileOps& ops) {
  std::vector<std::string> missing;  // deepest first
  for (std::string p = path; !p.empty() && p != "." && p != "/" && !ops.Exists(p);
       p = std::filesystem::path(p).parent_path().string()) {
    missing.push_back(p);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (absl::Status s = ops.CreateFolder(*it); !s.ok()) return s;
    // The new folder's entry lives in its parent: sync that.
    if (absl::Status s = ops.SyncFolder(ParentOf(*it)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace ledger
