#include "runtime/ledger/crypto.hpp"

#include "data/hex.hpp"

#include <cryptopp/keccak.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include <cctype>
#include <cstring>
#include <memory>

namespace atn::ledger {

namespace {
struct context_deleter {
  void operator()(secp256k1_context* c) const { secp256k1_context_destroy(c); }
};

const secp256k1_context* ctx() {
  static const std::unique_ptr<secp256k1_context, context_deleter> c([] {
    secp256k1_context* x = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
    unsigned char seed[32];
    randombytes_buf(seed, sizeof seed);
    if (!secp256k1_context_randomize(x, seed)) throw crypto_error("secp256k1 context randomisation failed");
    return x;
  }());
  return c.get();
}

address address_of_pubkey(const secp256k1_pubkey& pub) {
  unsigned char out[65];
  size_t len = sizeof out;
  secp256k1_ec_pubkey_serialize(ctx(), out, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  const hash256 h = keccak256(out + 1, 64);
  address a;
  std::memcpy(a.bytes.data(), h.data() + 12, 20);
  return a;
}

}  // namespace

hash256 keccak256(const std::uint8_t* data, std::size_t size) {
  CryptoPP::Keccak_256 k;
  k.Update(data, size);
  hash256 out;
  k.Final(out.data());
  return out;
}

hash256 keccak256(std::string_view bytes) {
  return keccak256(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::string to_hex(const std::uint8_t* data, std::size_t size) { return atn::to_hex(data, size); }

void from_hex(std::string_view text, std::uint8_t* out, std::size_t size, const char* what) {
  std::string_view s = text;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.size() != size * 2)
    throw std::invalid_argument(std::string(what) + " \"" + std::string(text) + "\" must be " +
                                std::to_string(size * 2) + " hex digits");
  if (!atn::from_hex(s, out, size))
    throw std::invalid_argument(std::string(what) + " \"" + std::string(text) + "\" is not hexadecimal");
}

std::string address::to_lower() const { return "0x" + to_hex(bytes); }

std::string address::to_string() const {
  const std::string lower = to_hex(bytes);
  const hash256 h = keccak256(lower);
  std::string out = "0x";
  for (std::size_t i = 0; i < lower.size(); ++i) {
    const int nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 15);
    out += (nibble >= 8) ? static_cast<char>(std::toupper(static_cast<unsigned char>(lower[i]))) : lower[i];
  }
  return out;
}

address address::parse(std::string_view text) {
  if (text.size() != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
    throw std::invalid_argument("address \"" + std::string(text) + "\" must be 0x and 40 hex digits");
  address a;
  from_hex(text, a.bytes.data(), 20, "address");
  const std::string_view digits = text.substr(2);
  bool has_lower = false, has_upper = false;
  for (char c : digits) {
    has_lower |= (c >= 'a' && c <= 'f');
    has_upper |= (c >= 'A' && c <= 'F');
  }
  if (has_lower && has_upper && a.to_string().substr(2) != digits)
    throw std::invalid_argument("address \"" + std::string(text) +
                                "\" has a wrong EIP-55 checksum (mistyped?); write it all lowercase to skip the check");
  return a;
}

bool address::is_zero() const {
  for (auto b : bytes)
    if (b) return false;
  return true;
}

address address_of(const private_key& key) {
  secp256k1_pubkey pub;
  if (!secp256k1_ec_pubkey_create(ctx(), &pub, key.data())) throw crypto_error("invalid secp256k1 private key");
  return address_of_pubkey(pub);
}

private_key random_private_key() {
  if (sodium_init() < 0) throw crypto_error("libsodium failed to initialise");
  private_key k;
  do randombytes_buf(k.data(), k.size());
  while (!secp256k1_ec_seckey_verify(ctx(), k.data()));
  return k;
}

signature sign_digest(const private_key& key, const hash256& digest) {
  secp256k1_ecdsa_recoverable_signature rs;
  if (!secp256k1_ecdsa_sign_recoverable(ctx(), &rs, digest.data(), key.data(), nullptr, nullptr))
    throw crypto_error("signing failed (invalid private key)");
  signature out;
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx(), out.data(), &recid, &rs);
  out[64] = static_cast<std::uint8_t>(recid);
  return out;
}

address recover_signer(const hash256& digest, const signature& sig) {
  if (sig[64] > 3) throw crypto_error("signature recovery id must be 0..3");
  secp256k1_ecdsa_recoverable_signature rs;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx(), &rs, sig.data(), sig[64]))
    throw crypto_error("malformed signature");
  secp256k1_pubkey pub;
  if (!secp256k1_ecdsa_recover(ctx(), &pub, &rs, digest.data())) throw crypto_error("signature does not recover a key");
  return address_of_pubkey(pub);
}

}  // namespace atn::ledger
