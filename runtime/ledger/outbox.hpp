// The treasury client's durable outbox: the node's ledger transactions from the moment the node
// decides on them until the ledger has applied (or refused) them, in a SQLite file under the state
// dir. Each entry has an idempotency key — (node, epoch, round, kind), e.g. "solver-1/attest/default/7"
// — so a node that dies between deciding and submitting sends it once after restart, and a second
// enqueue of the same key is a no-op.
//
// Exactly once across a crash: before an entry is submitted, its signed bytes, nonce and transaction
// hash are written here. On the next delivery the ledger is asked whether that hash was applied (the
// crash came after the ledger committed) and, if not, whether the nonce was used by another of the
// wallet's transactions (then it is signed again with the next nonce) — the receipt-lookup a chain
// offers too.
#pragma once

#include "runtime/ledger/ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace atn::ledger {

class sqlite_db;

enum class outbox_state { pending, applied, refused };
std::string outbox_state_name(outbox_state s);

struct outbox_entry {
  std::string key;
  tx_body body;
  outbox_state state = outbox_state::pending;
  std::optional<std::uint64_t> nonce;  ///< set once signed
  std::string signed_bytes;            ///< encode_signed, once signed
  hash256 tx_hash{};                   ///< once signed
  std::string detail;                  ///< applied: the receipt's value; refused: the ledger's message
  std::uint64_t epoch = 0;             ///< applied: the epoch it was applied in
  std::int64_t enqueued_at = 0;        ///< seconds since the Unix epoch
};

/// What one delivery pass did.
struct delivery_report {
  std::vector<outbox_entry> applied, refused;  ///< entries that reached a final state in this pass
  std::size_t still_pending = 0;
  std::optional<std::string> unavailable;  ///< the ledger was busy or unreachable: why (retry later)
};

class outbox {
 public:
  /// Opens or creates `path` (WAL, synchronous=FULL: an entry is on disk before enqueue returns).
  explicit outbox(const std::filesystem::path& path);
  ~outbox();
  outbox(const outbox&) = delete;
  outbox& operator=(const outbox&) = delete;

  /// Adds `body` under `key`; false (and nothing changes) when the key is already there, in any state.
  bool enqueue(const std::string& key, const tx_body& body, std::int64_t now);

  std::optional<outbox_entry> find(const std::string& key);
  /// Entries still pending, oldest first.
  std::vector<outbox_entry> pending();
  std::size_t pending_count();

  /// Submits every pending entry, oldest first, signing with `w` (whose address must be the sender);
  /// stops at the first ledger_unavailable, leaving that entry and the rest pending.
  delivery_report deliver(ledger& l, const wallet& w);

  /// The outbox file under a state dir: <state_dir>/treasury_outbox.sqlite.
  static std::filesystem::path default_path(const std::filesystem::path& state_dir);

 private:
  void record_signed(const std::string& key, std::uint64_t nonce, const std::string& bytes, const hash256& hash);
  void record_final(const std::string& key, outbox_state state, const std::string& detail, std::uint64_t epoch);

  std::unique_ptr<sqlite_db> db_;
};

}  // namespace atn::ledger
