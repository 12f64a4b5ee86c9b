// `atn-node bench ledger`: signed attestations per second through sqlite_ledger::submit (signature
// recovery, nonce, the rule, the audit row, one durable transaction each) against plain SQLite inserts
// of the same audit rows with the same durability (WAL, synchronous = FULL, one transaction per row).
// The transactions are signed before the clock starts: signing is the sender's cost, not the ledger's.
#include "runtime/cli/commands.hpp"
#include "runtime/ledger/sqlite_db.hpp"
#include "runtime/ledger/sqlite_ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace atn {
namespace {

struct bench_ledger_settings {
  int rows = 1000;
  int rounds = 3;
  std::string dir;
  bool json = false;
};

using bench_clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct workload {
  ledger::genesis g;
  ledger::wallet service = ledger::wallet::generate(), attester = ledger::wallet::generate();
};

// Rows per second through the ledger: a fresh ledger file, the service staked, then `rows` pre-signed
// attestations submitted one by one.
double ledger_rate(const fs::path& file, const workload& w, int rows, std::vector<std::string>& audit_bytes) {
  const std::int64_t now = w.g.genesis_time + 1;
  auto l = ledger::sqlite_ledger::create(file, w.g, [now] { return now; });
  ledger::submit_as(*l, w.service, ledger::tx::stake(ledger::role::inference_provider, ledger::amount::atn(200)));
  std::vector<ledger::signed_transaction> txs;
  for (int i = 0; i < rows; ++i)
    txs.push_back(ledger::sign_transaction(w.attester, l->id(), static_cast<std::uint64_t>(i),
                                           ledger::tx::attest_usage(w.service.addr(), 1 + i % 7)));
  const auto start = bench_clock::now();
  for (const auto& t : txs) l->submit(t);
  const double seconds = std::chrono::duration<double>(bench_clock::now() - start).count();
  audit_bytes.clear();
  for (const auto& t : txs) audit_bytes.push_back(ledger::encode_signed(l->id(), t));
  if (l->attested_units(w.attester.addr(), 1) == 0) throw std::logic_error("bench ledger: no attestation applied");
  return rows / seconds;
}

// The same audit rows (the signed bytes, their hash, epoch, time) inserted plainly, one transaction each.
double plain_rate(const fs::path& file, const std::vector<std::string>& rows) {
  ledger::sqlite_db db(file, true, 10000);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec(
      "CREATE TABLE audit(seq INTEGER PRIMARY KEY, tx BLOB NOT NULL, tx_hash BLOB NOT NULL, epoch INTEGER NOT NULL, "
      "time INTEGER NOT NULL)");
  std::vector<ledger::hash256> hashes;
  for (const auto& r : rows) hashes.push_back(ledger::keccak256(r));
  const auto start = bench_clock::now();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    db.exec("BEGIN IMMEDIATE");
    db.query("INSERT INTO audit(tx, tx_hash, epoch, time) VALUES(?1, ?2, ?3, ?4)")
        .bind_blob(1, rows[i])
        .bind_blob(2, std::string_view(reinterpret_cast<const char*>(hashes[i].data()), hashes[i].size()))
        .bind(3, std::int64_t{1})
        .bind(4, std::int64_t{1})
        .run();
    db.exec("COMMIT");
  }
  return rows.size() / std::chrono::duration<double>(bench_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run_bench_ledger(const bench_ledger_settings& s) {
  if (s.rows < 1 || s.rounds < 1) throw std::invalid_argument("--rows and --rounds must be at least 1");
  const bool own_dir = s.dir.empty();
  const fs::path dir = own_dir
                           ? fs::temp_directory_path() / ("atn_bench_ledger_" + std::to_string(std::random_device{}()))
                           : fs::path(s.dir);
  fs::create_directories(dir);
  workload w;
  w.g.genesis_time = 1'800'000'000;
  w.g.balances[w.service.addr()] = ledger::amount::atn(1000);
  std::vector<double> ledger_rates, plain_rates;
  std::vector<std::string> rows;
  for (int r = 0; r < s.rounds; ++r) {  // alternate, so drift in the disk's speed hits both alike
    const fs::path lf = dir / ("ledger" + std::to_string(r) + ".sqlite");
    const fs::path pf = dir / ("plain" + std::to_string(r) + ".sqlite");
    ledger_rates.push_back(ledger_rate(lf, w, s.rows, rows));
    plain_rates.push_back(plain_rate(pf, rows));
    for (const auto& f : {lf, pf})
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(f.string() + suffix);
  }
  if (own_dir) fs::remove_all(dir);
  const double lr = median(ledger_rates), pr = median(plain_rates), ratio = lr / pr;
  if (s.json) {
    const nlohmann::ordered_json j = {{"rows", s.rows},           {"rounds", s.rounds}, {"ledger_per_s", lr},
                                      {"plain_insert_per_s", pr}, {"ratio", ratio},     {"journal_mode", "wal"},
                                      {"synchronous", "full"}};
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("signed attestations through sqlite_ledger::submit  %9.0f /s  (%.3f ms each)\n", lr, 1e3 / lr);
  std::printf("plain SQLite insert of the same rows               %9.0f /s  (%.3f ms each)\n", pr, 1e3 / pr);
  std::printf(
      "ratio %.1f %% (target >= 50 %%); WAL, synchronous FULL, one transaction per row; %d rows, median of %d\n",
      100 * ratio, s.rows, s.rounds);
  return 0;
}

}  // namespace

void add_bench_ledger_command(CLI::App& app) {
  auto settings = std::make_shared<bench_ledger_settings>();
  CLI::App* sub = bench_group(app)->add_subcommand(
      "ledger", "Signed attestations/s through the SQLite ledger against plain inserts with the same durability");
  sub->add_option("--rows", settings->rows, "Attestations per round")->capture_default_str();
  sub->add_option("--rounds", settings->rounds, "Alternating rounds of each; the median counts")->capture_default_str();
  sub->add_option("--dir", settings->dir, "Directory to write in (default: a fresh temp directory)");
  sub->add_flag("--json", settings->json, "Print one JSON object");
  bind_command(sub, [settings] { return run_bench_ledger(*settings); });
}

}  // namespace atn
