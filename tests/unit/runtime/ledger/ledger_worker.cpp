// A test helper process for the concurrency test: acts for one wallet on a shared ledger file —
// stakes as solver, attests `n` rounds' training to the jurisdiction's aggregator, claims a reward,
// sends 1 ATN to a peer — retrying whenever the ledger is busy. Its clock is fixed by the caller, so
// every process works in the same epoch.
// Usage: atn_ledger_worker LEDGER KEY_HEX NOW AGGREGATOR JURISDICTION N CLAIM_EPOCH PEER
#include "runtime/ledger/sqlite_ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>

using namespace atn::ledger;

int main(int argc, char** argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: %s LEDGER KEY_HEX NOW AGGREGATOR JURISDICTION N CLAIM_EPOCH PEER\n", argv[0]);
    return 2;
  }
  try {
    private_key key;
    from_hex(argv[2], key.data(), key.size(), "key");
    const wallet w(key);
    const std::int64_t now = std::stoll(argv[3]);
    const address aggregator = address::parse(argv[4]);
    const std::string jurisdiction = argv[5];
    const int n = std::stoi(argv[6]);
    const std::uint64_t claim_epoch = std::stoull(argv[7]);
    const address peer = address::parse(argv[8]);
    auto l = sqlite_ledger::open(argv[1], [now] { return now; });
    std::uint64_t retries = 0;
    const auto submit = [&](const tx_body& body) {
      for (;;) {
        try {
          return submit_as(*l, w, body);
        } catch (const ledger_unavailable&) {
          ++retries;
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
    };
    submit(tx::stake(role::solver, amount::atn(50)));
    for (int i = 0; i < n; ++i) submit(tx::attest_usage(aggregator, 1, jurisdiction, 2));
    const receipt claimed = submit(tx::claim_reward(claim_epoch));
    submit(tx::transfer(peer, amount::atn(1)));
    std::printf("claimed %s retries %llu\n", claimed.value.units_string().c_str(),
                static_cast<unsigned long long>(retries));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "worker: %s\n", e.what());
    return 1;
  }
}
