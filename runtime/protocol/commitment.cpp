#include "runtime/protocol/commitment.hpp"

#include "data/hex.hpp"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace atn {
namespace {

struct hasher {
  crypto_generichash_state state;
  hasher() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    crypto_generichash_init(&state, nullptr, 0, 32);
  }
  void bytes(const void* data, std::size_t size) {
    crypto_generichash_update(&state, static_cast<const unsigned char*>(data), size);
  }
  void u32(std::uint32_t v) {
    unsigned char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    bytes(b, 4);
  }
  void i64(std::int64_t value) {
    auto v = static_cast<std::uint64_t>(value);
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    bytes(b, 8);
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  digest256 finish() {
    digest256 out{};
    crypto_generichash_final(&state, out.data(), out.size());
    return out;
  }
};

}  // namespace

digest256 fresh_salt() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  digest256 salt{};
  randombytes_buf(salt.data(), salt.size());
  return salt;
}

digest256 digest_from_hex(std::string_view hex) {
  digest256 out{};
  if (!from_hex(hex, out.data(), out.size()))
    throw std::invalid_argument("not a 64-digit hex digest: '" + std::string(hex) + "'");
  return out;
}

digest256 commitment_of(std::string_view domain, std::string_view node, std::string_view jurisdiction,
                        std::int64_t round, std::string_view version_hex, const digest256& payload_hash,
                        const digest256& salt) {
  const digest256 version = digest_from_hex(version_hex);
  hasher h;
  h.str(domain);
  h.str(node);
  h.str(jurisdiction);
  h.i64(round);
  h.bytes(version.data(), version.size());
  h.bytes(payload_hash.data(), payload_hash.size());
  h.bytes(salt.data(), salt.size());
  return h.finish();
}

digest256 scores_hash(const std::vector<std::string>& solvers, const std::vector<double>& scores) {
  hasher h;
  h.u32(static_cast<std::uint32_t>(solvers.size()));
  for (const auto& s : solvers) h.str(s);
  h.u32(static_cast<std::uint32_t>(scores.size()));
  for (double v : scores) {
    std::int64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    h.i64(bits);
  }
  return h.finish();
}

}  // namespace atn
