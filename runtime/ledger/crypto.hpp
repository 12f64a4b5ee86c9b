// Ethereum's primitives: keccak256 (Crypto++), secp256k1 keys and recoverable ECDSA signatures
// (libsecp256k1), addresses (the last 20 bytes of keccak256 of the uncompressed public key) and their
// EIP-55 checksummed text. A signature is 65 bytes r ‖ s ‖ v (v = recovery id 0 or 1), as eth_sign.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace atn::ledger {

using hash256 = std::array<std::uint8_t, 32>;
using signature = std::array<std::uint8_t, 65>;
using private_key = std::array<std::uint8_t, 32>;

hash256 keccak256(std::string_view bytes);
hash256 keccak256(const std::uint8_t* data, std::size_t size);

std::string to_hex(const std::uint8_t* data, std::size_t size);  ///< lowercase, no "0x"
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& a) {
  return to_hex(a.data(), N);
}
/// Parses hex with or without "0x" into exactly `size` bytes; throws std::invalid_argument naming
/// `what`.
void from_hex(std::string_view text, std::uint8_t* out, std::size_t size, const char* what);

struct address {
  std::array<std::uint8_t, 20> bytes{};
  /// EIP-55 checksummed "0x…".
  std::string to_string() const;
  /// Lowercase "0x…" (the stored form).
  std::string to_lower() const;
  /// "0x" and 40 hex digits; a mixed-case text must carry a valid EIP-55 checksum. Throws
  /// std::invalid_argument naming the text.
  static address parse(std::string_view text);
  bool is_zero() const;
  friend bool operator==(const address& a, const address& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const address& a, const address& b) { return a.bytes != b.bytes; }
  friend bool operator<(const address& a, const address& b) { return a.bytes < b.bytes; }
};

struct crypto_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The address of a private key; throws crypto_error for an invalid key (0 or ≥ the curve order).
address address_of(const private_key& key);
/// A fresh valid key from the OS's randomness (libsodium).
private_key random_private_key();
/// Recoverable signature of a 32-byte digest (RFC 6979 nonce, low s).
signature sign_digest(const private_key& key, const hash256& digest);
/// The address that signed `digest`, or throws crypto_error when the signature is malformed.
address recover_signer(const hash256& digest, const signature& sig);

}  // namespace atn::ledger
