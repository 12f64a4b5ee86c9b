// A node's wallet: one secp256k1 key pair and its Ethereum address, kept in a file readable by its
// owner only (0600), so the same key can later sign on an EVM chain.
#pragma once

#include "runtime/ledger/crypto.hpp"

#include <filesystem>

namespace atn::ledger {

class wallet {
 public:
  explicit wallet(const private_key& key);
  /// A fresh random key.
  static wallet generate();
  /// Loads `path`; throws std::runtime_error naming the path and the fix when it is missing,
  /// malformed, or readable by group or others.
  static wallet load(const std::filesystem::path& path);
  /// Writes the key to `path` (mode 0600, created exclusively so an existing wallet is never
  /// overwritten, fsynced); throws std::runtime_error when `path` exists.
  void save(const std::filesystem::path& path) const;

  const address& addr() const { return address_; }
  signature sign(const hash256& digest) const { return sign_digest(key_, digest); }
  const private_key& key() const { return key_; }

  /// The wallet file under a state dir: <state_dir>/wallet.key.
  static std::filesystem::path default_path(const std::filesystem::path& state_dir);

 private:
  private_key key_;
  address address_;
};

}  // namespace atn::ledger
