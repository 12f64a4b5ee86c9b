#include "runtime/transport/curve_keys.hpp"

#include "runtime/util/file_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace atn {
namespace {

namespace fs = std::filesystem;

// The key file's text without surrounding whitespace.
std::string trimmed(std::string s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

// Writes `secret` to `key_file` unless it exists: whole into a 0600 temp file beside it, fsynced,
// then hard-linked to its name, which fails when another call got there first. Returns whether
// this call made it.
bool create_exclusively(const fs::path& key_file, const std::string& secret) {
  static std::atomic<unsigned> calls{0};
  const auto temp = key_file.parent_path() /
                    (".node.key.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(calls.fetch_add(1)));
  ::unlink(temp.c_str());  // a leftover of an earlier process with this pid, if any
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + temp.string() + ": " + std::strerror(errno));
  try {
    ::fchmod(fd, 0600);  // whatever the umask
    const std::string text = secret + "\n";
    write_all(fd, text.data(), text.size(), temp);
    fsync_fd(fd, temp);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
  const int linked = ::link(temp.c_str(), key_file.c_str());
  const int link_error = errno;
  ::unlink(temp.c_str());
  if (linked != 0 && link_error == EEXIST) return false;
  if (linked != 0) throw std::runtime_error("cannot create " + key_file.string() + ": " + std::strerror(link_error));
  fsync_directory(key_file.parent_path());
  return true;
}

}  // namespace

bool is_curve_key(const std::string& key) {
  std::array<std::uint8_t, 32> raw{};
  return key.size() == 40 && zmq_z85_decode(raw.data(), key.c_str()) != nullptr;
}

curve_key_pair generate_curve_keys() {
  char pub[41], sec[41];
  if (zmq_curve_keypair(pub, sec) != 0)
    throw std::runtime_error(std::string("cannot make a CURVE key pair: ") + zmq_strerror(zmq_errno()));
  return {pub, sec};
}

curve_identity load_or_create_curve_identity(const fs::path& state_dir) {
  curve_identity id;
  const auto dir = state_dir / "keys";
  id.key_file = dir / "node.key";
  id.public_file = dir / "node.pub";
  std::error_code ec;
  if (!fs::exists(id.key_file, ec)) {
    const bool fresh_dir = !fs::exists(dir, ec);
    fs::create_directories(dir, ec);
    // Only the owner may look inside: the secret key is never readable by others.
    if (!ec && fresh_dir) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    const auto keys = generate_curve_keys();
    try {
      id.created = create_exclusively(id.key_file, keys.secret_key);
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot write the node's CURVE key in " + dir.string() + ": " + e.what());
    }
  }
  struct stat st {};
  if (::stat(id.key_file.c_str(), &st) != 0)
    throw std::runtime_error("cannot read " + id.key_file.string() + ": " + std::strerror(errno));
  if (st.st_mode & 077)
    throw std::runtime_error(id.key_file.string() + " is readable by group or others; `chmod 600 " +
                             id.key_file.string() + "` fixes it");
  std::optional<std::string> text;
  try {
    text = read_file(id.key_file);
  } catch (const std::system_error& e) {
    throw std::runtime_error("cannot read " + id.key_file.string() + ": " + e.what());
  }
  id.keys.secret_key = trimmed(text.value_or(""));
  if (!is_curve_key(id.keys.secret_key))
    throw std::runtime_error(id.key_file.string() + " does not hold a Z85 CURVE secret key");
  char pub[41];
  if (zmq_curve_public(pub, id.keys.secret_key.c_str()) != 0)
    throw std::runtime_error("cannot derive the public key of " + id.key_file.string());
  id.keys.public_key = pub;
  // node.pub is only for sharing: rewritten when missing or stale.
  try {
    auto shown = read_file(id.public_file);
    if (!shown || trimmed(*shown) != id.keys.public_key) write_file_atomic(id.public_file, id.keys.public_key + "\n");
  } catch (const std::system_error& e) {
    throw std::runtime_error("cannot write " + id.public_file.string() + ": " + e.what());
  }
  return id;
}

curve_key_pair load_or_create_curve_keys(const fs::path& state_dir) {
  return load_or_create_curve_identity(state_dir).keys;
}

}  // namespace atn
