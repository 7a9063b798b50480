// A small tmpfs of a test's own, for filling a disk for real: mounted on a
// fresh folder (mkdtemp), grown in place (remount), unmounted and removed
// when the object goes. Mounting needs root (CI runs the tests as root);
// elsewhere `mounted()` is false and the test skips, saying why.
#ifndef CREDIT_LEDGER_TESTS_RELIABILITY_TMPFS_H_
#define CREDIT_LEDGER_TESTS_RELIABILITY_TMPFS_H_

#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace ledger::testing {

class Tmpfs {
 public:
  explicit Tmpfs(size_t bytes) {
    std::string path =
        (std::filesystem::temp_directory_path() / "ledger-tmpfs-XXXXXX")
            .string();
    if (mkdtemp(path.data()) == nullptr) {
      why_not_ = std::string("mkdtemp: ") + std::strerror(errno);
      return;
    }
    path_ = path;
    if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                SizeOption(bytes).c_str()) != 0) {
      why_not_ = "cannot mount a tmpfs (" + std::string(std::strerror(errno)) +
                 "): this test needs root";
      return;
    }
    mounted_ = true;
  }
  ~Tmpfs() {
    if (mounted_) {
      // MNT_DETACH: a process the test started and failed to stop must not
      // leave the mount behind.
      if (::umount(path_.c_str()) != 0) ::umount2(path_.c_str(), MNT_DETACH);
    }
    if (!path_.empty()) ::rmdir(path_.c_str());
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  bool mounted() const { return mounted_; }
  // Why it is not mounted.
  const std::string& why_not() const { return why_not_; }
  const std::string& path() const { return path_; }

  // Grows (or shrinks) the file system in place; its files stay.
  bool Resize(size_t bytes) {
    return ::mount("tmpfs", path_.c_str(), "tmpfs",
                   MS_REMOUNT | MS_NOSUID | MS_NODEV,
                   SizeOption(bytes).c_str()) == 0;
  }

 private:
  static std::string SizeOption(size_t bytes) {
    return "size=" + std::to_string(bytes) + ",mode=0700";
  }

  std::string path_;
  std::string why_not_;
  bool mounted_ = false;
};

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_RELIABILITY_TMPFS_H_
