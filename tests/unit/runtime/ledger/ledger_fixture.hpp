// A fresh SQLite ledger in a temp dir with a hand-driven clock and named, reproducible wallets;
// `ok` submits and checks the invariants after every transaction, `refused` checks that a refusal
// carries its code and leaves the whole state (digest) and the sender's nonce as they were.
#pragma once

#include "runtime/ledger/sqlite_ledger.hpp"
#include "runtime/ledger/wallet.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <memory>

namespace atn::test {

inline ledger::wallet wallet_no(std::uint8_t n) {
  ledger::private_key k{};
  k[31] = n;
  k[0] = 0x11;  // keep away from the tiny keys of the published vectors
  return ledger::wallet(k);
}

struct ledger_fixture {
  static constexpr std::int64_t t0 = 1'800'000'000;
  static constexpr std::int64_t epoch_length = 1000;

  temp_dir dir{"atn_ledger"};
  std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(t0 + 1);
  ledger::wallet alice = wallet_no(1), bob = wallet_no(2), carol = wallet_no(3), aggregator = wallet_no(4),
                 gov = wallet_no(5), slasher = wallet_no(6);
  ledger::genesis g;
  std::unique_ptr<ledger::sqlite_ledger> l;

  ledger_fixture() {
    using ledger::amount;
    g.genesis_time = t0;
    g.epoch_length_seconds = epoch_length;
    g.initial_epoch_budget = amount::atn(1000);
    g.governance = gov.addr();
    g.slashers = {slasher.addr()};
    g.balances = {{alice.addr(), amount::atn(1000)},
                  {bob.addr(), amount::atn(1000)},
                  {carol.addr(), amount::atn(100)},
                  {aggregator.addr(), amount::atn(3000)}};
    l = ledger::sqlite_ledger::create(path(), g, clock());
  }
  std::filesystem::path path() const { return dir.path / "ledger.sqlite"; }
  ledger::clock_fn clock() const {
    auto n = now;
    return [n] { return *n; };
  }

  ledger::receipt ok(const ledger::wallet& w, const ledger::tx_body& body) {
    INFO(body.kind);
    ledger::receipt r;
    try {
      r = ledger::submit_as(*l, w, body);
    } catch (const ledger::ledger_refusal& e) {
      FAIL("refused (" << ledger::refusal_name(e.code) << "): " << e.what());
    }
    const auto problems = l->check_invariants();
    for (const auto& p : problems) UNSCOPED_INFO(p);
    REQUIRE(problems.empty());
    return r;
  }

  /// Returns the refusal's message.
  std::string refused_stx(const ledger::signed_transaction& stx, ledger::refusal code) {
    const auto before = l->state_digest();
    const auto nonce = l->next_nonce(stx.tx.from);
    std::string message;
    try {
      l->submit(stx);
      FAIL(stx.tx.kind << " was not refused");
    } catch (const ledger::ledger_refusal& e) {
      CHECK(ledger::refusal_name(e.code) == ledger::refusal_name(code));
      message = e.what();
    }
    CHECK(l->state_digest() == before);
    CHECK(l->next_nonce(stx.tx.from) == nonce);
    return message;
  }
  std::string refused(const ledger::wallet& w, const ledger::tx_body& body, ledger::refusal code) {
    return refused_stx(ledger::sign_transaction(w, l->id(), l->next_nonce(w.addr()), body), code);
  }
};

}  // namespace atn::test
