#include "runtime/ingest/head_digest.hpp"

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace atn {

namespace {
constexpr std::size_t key_bytes = crypto_generichash_KEYBYTES;  // 32

std::system_error io_error(const std::string& what, const std::filesystem::path& file) {
  return std::system_error(errno, std::generic_category(), what + " " + file.string());
}
}  // namespace

std::string load_or_create_head_key(const std::filesystem::path& dir) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  const auto file = dir / "follower.key";
  std::string key(key_bytes, '\0');
  // O_EXCL: the key is made once; a second node start reads the same key.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    randombytes_buf(key.data(), key.size());
    const bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw io_error("cannot write", file);
    return key;
  }
  if (errno != EEXIST) throw io_error("cannot create", file);
  fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error("cannot open", file);
  char extra = 0;
  const ssize_t n = ::read(fd, key.data(), key.size());
  const ssize_t more = ::read(fd, &extra, 1);
  ::close(fd);
  if (n != static_cast<ssize_t>(key.size()) || more != 0)
    throw std::runtime_error(file.string() + " is not a " + std::to_string(key_bytes) + "-byte key");
  return key;
}

std::string head_digest(std::string_view key, std::string_view head) {
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(head.data()), head.size(),
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : out) {
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  return hex;
}

}  // namespace atn
