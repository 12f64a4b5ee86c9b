#include "runtime/transport/curve_keys.hpp"

#include "runtime/util/file_util.hpp"

#include <zmq.h>

#include <array>
#include <cstdint>
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

curve_key_pair load_or_create_curve_keys(const fs::path& state_dir) {
  const auto dir = state_dir / "keys";
  const auto key_file = dir / "node.key";
  const auto pub_file = dir / "node.pub";
  std::optional<std::string> text;
  try {
    text = read_file(key_file);
  } catch (const std::system_error& e) {
    throw std::runtime_error("cannot read " + key_file.string() + ": " + e.what());
  }
  if (!text) {
    auto keys = generate_curve_keys();
    std::error_code ec;
    fs::create_directories(dir, ec);
    // Only the owner may look inside: the secret key is never readable by others, not even
    // as the temp file write_file_atomic makes first.
    if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    try {
      write_file_atomic(key_file, keys.secret_key + "\n");
      fs::permissions(key_file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
      write_file_atomic(pub_file, keys.public_key + "\n");
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot write the node's keys in " + dir.string() + ": " + e.what());
    }
    return keys;
  }
  curve_key_pair keys;
  keys.secret_key = trimmed(*text);
  if (!is_curve_key(keys.secret_key))
    throw std::runtime_error(key_file.string() + " does not hold a Z85 CURVE secret key");
  char pub[41];
  if (zmq_curve_public(pub, keys.secret_key.c_str()) != 0)
    throw std::runtime_error("cannot derive the public key of " + key_file.string());
  keys.public_key = pub;
  // node.pub is only for sharing: rewrite it when missing or stale.
  auto shown = read_file(pub_file);
  if (!shown || trimmed(*shown) != keys.public_key) write_file_atomic(pub_file, keys.public_key + "\n");
  return keys;
}

}  // namespace atn
