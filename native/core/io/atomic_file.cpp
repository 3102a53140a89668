#include "io/atomic_file.h"
#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace tsfm {
namespace {

// The reason for errno `err`, with the free space when the disk is full (what the user must make room for).
std::string reason(int err, const std::string& path, size_t needed, const char* step) {
  std::string why = std::strerror(err);
  why += " (";
  if (err == ENOSPC || err == EDQUOT) {
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    const auto space = std::filesystem::space(dir.empty() ? "." : dir, ec);
    why += std::to_string(needed) + " bytes to write";
    if (!ec) why += ", " + std::to_string(space.available) + " free";
    why += "; ";
  }
  return why + step + " failed)";
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& bytes, const std::string& what) {
  const std::string tmp = path + ".tmp";
  const auto fail = [&](const char* step, int err, int fd) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());  // never leave a partial file behind to fill the disk or be mistaken for a result
    throw std::runtime_error(path + ": cannot write the " + what + ": " + reason(err, path, bytes.size(), step));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open", errno, -1);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write", n < 0 ? errno : ENOSPC, fd);
    done += static_cast<size_t>(n);
  }
  // tmpfs and network filesystems may report a full disk only at fsync or close.
  if (::fsync(fd) != 0 && errno != EINVAL) fail("fsync", errno, fd);
  if (::close(fd) != 0) fail("close", errno, -1);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename", errno, -1);  // readers see the old file or the new one
}

}  // namespace tsfm
