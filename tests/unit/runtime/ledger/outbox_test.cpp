#include "runtime/ledger/outbox.hpp"
#include "tests/unit/runtime/ledger/ledger_fixture.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

using namespace atn;
using ledger::amount;

namespace {

// Alice holds an active solver stake, so she is a service others (and she) can attest usage of.
struct outbox_fixture : test::ledger_fixture {
  outbox_fixture() { ok(alice, ledger::tx::stake(ledger::role::solver, amount::atn(50))); }
  std::filesystem::path box_path() const { return dir.path / "outbox.sqlite"; }
};

enum class crash_point { before_submit, after_submit };

// A ledger that forwards to the real one and SIGKILLs its process just before or just after a
// submit: the moments a node can die between deciding on a transaction and hearing its receipt.
struct dying_ledger : atn::ledger::ledger {
  atn::ledger::ledger& real;
  crash_point when;
  dying_ledger(atn::ledger::ledger& r, crash_point w) : real(r), when(w) {}
  atn::ledger::receipt submit(const atn::ledger::signed_transaction& stx) override {
    if (when == crash_point::before_submit) ::raise(SIGKILL);
    real.submit(stx);
    ::raise(SIGKILL);
    return {};
  }
  atn::ledger::chain_id id() override { return real.id(); }
  std::optional<atn::ledger::receipt> find_transaction(const atn::ledger::hash256& h) override {
    return real.find_transaction(h);
  }
  std::uint64_t next_nonce(const atn::ledger::address& w) override { return real.next_nonce(w); }
  amount balance(const atn::ledger::address& w) override { return real.balance(w); }
  std::optional<atn::ledger::stake_info> stake_of(const atn::ledger::address& w) override { return real.stake_of(w); }
  bool is_active(const atn::ledger::address& w, atn::ledger::role r) override { return real.is_active(w, r); }
  std::map<atn::ledger::role, atn::ledger::role_params> roles() override { return real.roles(); }
  std::uint64_t current_epoch() override { return real.current_epoch(); }
  atn::ledger::epoch_info epoch(std::uint64_t n) override { return real.epoch(n); }
  std::uint64_t attested_units(const atn::ledger::address& w, std::uint64_t e) override {
    return real.attested_units(w, e);
  }
  std::uint64_t attested_round_units(const atn::ledger::address& w, const std::string& j, std::uint64_t r) override {
    return real.attested_round_units(w, j, r);
  }
  std::optional<std::uint64_t> round_epoch(const std::string& j, std::uint64_t r) override {
    return real.round_epoch(j, r);
  }
  std::vector<atn::ledger::reward_entry> rewards_of(const atn::ledger::address& w) override {
    return real.rewards_of(w);
  }
  std::vector<atn::ledger::jurisdiction_info> jurisdictions() override { return real.jurisdictions(); }
  atn::ledger::supply_totals totals() override { return real.totals(); }
  atn::ledger::hash256 state_digest() override { return real.state_digest(); }
  std::vector<std::string> check_invariants() override { return real.check_invariants(); }
  atn::ledger::audit_report audit() override { return real.audit(); }
};

// Delivers the outbox in a child process that dies at `when`; returns the signal that ended it.
int deliver_and_die(outbox_fixture& f, crash_point when) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto l = ledger::sqlite_ledger::open(f.path(), f.clock());
    dying_ledger dying(*l, when);
    ledger::outbox box(f.box_path());
    box.deliver(dying, f.alice);
    ::_exit(0);  // not reached: the ledger killed us
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

}  // namespace

TEST_CASE("an outbox entry is sent once, and a second enqueue of its key is a no-op", "[outbox]") {
  outbox_fixture f;
  ledger::outbox box(f.box_path());
  const auto body = ledger::tx::attest_usage(f.alice.addr(), 40, "", 1);
  CHECK(box.enqueue("alice/attest/solo/1", body, 1));
  CHECK_FALSE(box.enqueue("alice/attest/solo/1", body, 2));
  CHECK(box.pending_count() == 1);

  const auto r = box.deliver(*f.l, f.alice);
  REQUIRE(r.applied.size() == 1);
  CHECK(r.refused.empty());
  CHECK(r.still_pending == 0);
  CHECK(box.find("alice/attest/solo/1")->state == ledger::outbox_state::applied);
  CHECK(f.l->attested_units(f.alice.addr(), f.l->current_epoch()) == 40);

  // Enqueued again after it was applied: still nothing new is sent.
  CHECK_FALSE(box.enqueue("alice/attest/solo/1", body, 3));
  CHECK(box.deliver(*f.l, f.alice).applied.empty());
  CHECK(f.l->attested_units(f.alice.addr(), f.l->current_epoch()) == 40);
}

TEST_CASE("entries survive a reopen of the outbox file", "[outbox]") {
  outbox_fixture f;
  {
    ledger::outbox box(f.box_path());
    box.enqueue("k1", ledger::tx::attest_usage(f.alice.addr(), 5, "", 1), 1);
    box.enqueue("k2", ledger::tx::attest_usage(f.alice.addr(), 7, "", 2), 1);
  }
  ledger::outbox box(f.box_path());
  const auto pending = box.pending();
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].key == "k1");  // oldest first
  CHECK(pending[1].body.fields == ledger::tx::attest_usage(f.alice.addr(), 7, "", 2).fields);
  CHECK(box.deliver(*f.l, f.alice).applied.size() == 2);
  CHECK(f.l->attested_units(f.alice.addr(), f.l->current_epoch()) == 12);
}

TEST_CASE("a crash after the ledger applied an entry, before the outbox heard of it, sends nothing twice", "[outbox]") {
  outbox_fixture f;
  { ledger::outbox(f.box_path()).enqueue("k", ledger::tx::attest_usage(f.alice.addr(), 9, "", 1), 1); }
  REQUIRE(deliver_and_die(f, crash_point::after_submit) == SIGKILL);

  ledger::outbox box(f.box_path());
  REQUIRE(box.find("k")->state == ledger::outbox_state::pending);  // it never heard back
  CHECK(f.l->attested_units(f.alice.addr(), f.l->current_epoch()) == 9);
  const auto r = box.deliver(*f.l, f.alice);
  REQUIRE(r.applied.size() == 1);
  CHECK(box.find("k")->state == ledger::outbox_state::applied);
  CHECK(f.l->attested_units(f.alice.addr(), f.l->current_epoch()) == 9);  // once
}

TEST_CASE("an entry whose nonce another transaction took while the node was down is signed again", "[outbox]") {
  outbox_fixture f;
  { ledger::outbox(f.box_path()).enqueue("k", ledger::tx::attest_usage(f.alice.addr(), 3, "", 1), 1); }
  const auto nonce = f.l->next_nonce(f.alice.addr());
  REQUIRE(deliver_and_die(f, crash_point::before_submit) == SIGKILL);
  f.ok(f.alice, ledger::tx::transfer(f.bob.addr(), amount::atn(1)));  // a command run by hand takes that nonce

  ledger::outbox box(f.box_path());
  REQUIRE(*box.find("k")->nonce == nonce);  // signed and recorded before the crash
  const auto r = box.deliver(*f.l, f.alice);
  REQUIRE(r.applied.size() == 1);
  CHECK(*box.find("k")->nonce == nonce + 1);
  CHECK(f.l->attested_units(f.alice.addr(), f.l->current_epoch()) == 3);
}

TEST_CASE("a refused entry is kept as refused with the ledger's reason, and the rest go on", "[outbox]") {
  outbox_fixture f;
  ledger::outbox box(f.box_path());
  box.enqueue("bad", ledger::tx::attest_usage(f.carol.addr(), 3, "", 1), 1);  // carol has no stake
  box.enqueue("good", ledger::tx::attest_usage(f.alice.addr(), 4, "", 1), 1);
  const auto r = box.deliver(*f.l, f.bob);
  REQUIRE(r.refused.size() == 1);
  CHECK(r.refused[0].key == "bad");
  CHECK(box.find("bad")->state == ledger::outbox_state::refused);
  CHECK_FALSE(box.find("bad")->detail.empty());
  REQUIRE(r.applied.size() == 1);
  CHECK(f.l->attested_units(f.bob.addr(), f.l->current_epoch()) == 4);
}
