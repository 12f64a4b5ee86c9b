#include "runtime/config/federation_config.hpp"

#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>

using namespace atn;
namespace fs = std::filesystem;

namespace {
// Loads a federation config written from text into a temporary file.
struct yaml_loader {
  atn::test::temp_dir dir;
  federation_node_options operator()(const std::string& text) const {
    const auto file = dir.path / "node.yaml";
    std::ofstream(file) << text;
    federation_node_options o;
    load_federation_config(file, o);
    return o;
  }
};
}  // namespace

TEST_CASE("the shipped LAN configs load", "[federation_config]") {
  federation_node_options agg;
  load_federation_config(fs::path(ATN_SOURCE_DIR) / "configs" / "lan-aggregator.yaml", agg);
  CHECK(agg.id == "aggregator");
  CHECK(agg.role == node_role::aggregator);
  CHECK(agg.peers.size() == 3);
  CHECK(agg.aggregator.solvers == std::vector<std::string>{"solver-1", "solver-2"});
  CHECK(agg.aggregator.stake.at("coordinator-1") == 1.0);
  CHECK(agg.aggregator.commit_timeout == std::chrono::milliseconds(600000));
  CHECK(agg.data_dir.is_absolute());
  // CURVE: every peer carries its key, and the three files agree on each node's key.
  CHECK_FALSE(agg.insecure_plaintext);
  CHECK_NOTHROW(check_peer_keys(agg));
  CHECK_FALSE(agg.economy.enabled);  // a SQLite ledger is one machine's; a LAN needs the chain

  federation_node_options coordinator;
  load_federation_config(fs::path(ATN_SOURCE_DIR) / "configs" / "lan-coordinator.yaml", coordinator);
  CHECK(coordinator.role == node_role::coordinator);
  CHECK(coordinator.coordinator.reference_steps == 10);
  CHECK_NOTHROW(check_peer_keys(coordinator));

  federation_node_options solver;
  load_federation_config(fs::path(ATN_SOURCE_DIR) / "configs" / "lan-solver.yaml", solver);
  std::map<std::string, std::string> key_of;
  for (const auto* o : {&agg, &coordinator, &solver})
    for (const auto& p : o->peers) {
      auto [it, fresh] = key_of.emplace(p.id, p.public_key);
      CHECK(it->second == p.public_key);  // one key per node across the files
    }
  CHECK(key_of.size() == 4);
}

TEST_CASE("peers carry CURVE keys: --peer ID=ENDPOINT,KEY, `public_key:`, refused at once when bad",
          "[federation_config][curve]") {
  const std::string key = "IU73tJ9b{7zwAXQoU%SdPQgTtGJq)Hgm1d!L@m=x";  // '=' and ',' free of ambiguity
  auto p = parse_peer("solver-1=tcp://10.0.0.2:7111," + key);
  CHECK(p.id == "solver-1");
  CHECK(p.endpoint == "tcp://10.0.0.2:7111");
  CHECK(p.public_key == key);
  p = parse_peer("a=ipc:///tmp/x,y.sock," + key);  // the last comma separates the key
  CHECK(p.endpoint == "ipc:///tmp/x,y.sock");
  CHECK(parse_peer("a=tcp://h:1").public_key.empty());
  CHECK_THROWS_WITH(parse_peer("a=tcp://h:1,not-a-key"), Catch::Contains("'not-a-key'"));
  CHECK_THROWS_WITH(parse_peer("a"), Catch::Contains("ID=ENDPOINT,KEY"));

  federation_node_options o;
  o.peers = {parse_peer("a=tcp://h:1," + key), parse_peer("b=tcp://h:2")};
  CHECK_THROWS_WITH(check_peer_keys(o),
                    Catch::Contains("'b' has no CURVE public key") && Catch::Contains("--insecure-plaintext"));
  o.insecure_plaintext = true;
  CHECK_NOTHROW(check_peer_keys(o));
  o.insecure_plaintext = false;
  o.peers[1].public_key = key;
  CHECK_THROWS_WITH(check_peer_keys(o), Catch::Contains("'a' and 'b' have the same public key"));

  atn::test::temp_dir dir;
  const auto file = dir.path / "node.yaml";
  std::ofstream(file) << "federation:\n  peers:\n    - {id: a, endpoint: 'tcp://h:1', public_key: 'short'}\n";
  federation_node_options bad;
  CHECK_THROWS_WITH(load_federation_config(file, bad), Catch::Contains("'short'") && Catch::Contains("'a'"));
  std::ofstream(file, std::ios::trunc) << "federation:\n  insecure_plaintext: true\n  peers:\n    - {id: a, endpoint: "
                                          "'tcp://h:1', key: x}\n";
  CHECK_THROWS_WITH(load_federation_config(file, bad), Catch::Contains("'key'"));
  std::ofstream(file, std::ios::trunc) << "federation:\n  insecure_plaintext: true\n";
  federation_node_options plain;
  load_federation_config(file, plain);
  CHECK(plain.insecure_plaintext);
}

TEST_CASE("a bad federation config names the key", "[federation_config]") {
  yaml_loader load;
  CHECK_THROWS_WITH(load("consent: {}\n"), Catch::Contains("no `federation:` section"));
  CHECK_THROWS_WITH(load("federation:\n  id: a\n  colour: red\n"), Catch::Contains("'colour'"));
  CHECK_THROWS_WITH(load("federation:\n  role: referee\n"), Catch::Contains("'role'") && Catch::Contains("referee"));
  CHECK_THROWS_WITH(load("federation:\n  batch: many\n"), Catch::Contains("'batch'"));
  CHECK_THROWS_WITH(load("federation:\n  aggregator:\n    rule: mode\n"), Catch::Contains("aggregator.rule"));
  CHECK_THROWS_WITH(load("federation:\n  aggregator:\n    modalities: audio\n"),
                    Catch::Contains("aggregator.modalities") && Catch::Contains("audio"));
  CHECK_THROWS_WITH(load("federation:\n  solver:\n    attack: meteor\n"),
                    Catch::Contains("solver.attack") && Catch::Contains("meteor"));
  // An invalid endpoint is refused at load, naming it (issue 18), not waited on in silence.
  CHECK_THROWS_WITH(load("federation:\n  peers:\n    - {id: a, endpoint: 'tcp://256.1.1.1:99999'}\n"),
                    Catch::Contains("peers") && Catch::Contains("tcp://256.1.1.1:99999"));
  auto o = load("federation:\n  id: s\n  data: atn\n  peers:\n    - {id: a, endpoint: 'tcp://h:1'}\n");
  CHECK(o.data_dir == load.dir.path / "atn");
  CHECK(o.peers.at(0).endpoint == "tcp://h:1");
}

TEST_CASE("the economy's keys: the ledger, the participants' wallets, the slash fraction, the network",
          "[federation_config]") {
  yaml_loader load;
  const auto o = load(
      "federation:\n  ledger: {file: shared/ledger.sqlite, auto_stake: false}\n"
      "  aggregator:\n    wallets: {solver-1: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'}\n"
      "    slash_fraction: '0.025'\n    network_aggregator: net\n"
      "  network:\n    aggregators: {j1: agg-1, j2: agg-2}\n    rounds: 4\n");
  CHECK(o.economy.enabled);
  CHECK(o.economy.ledger_file == load.dir.path / "shared" / "ledger.sqlite");
  CHECK_FALSE(o.economy.auto_stake);
  CHECK(o.aggregator.ledger_addresses.at("solver-1") == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  CHECK(o.aggregator.slash_fraction_bps == 250);
  CHECK(o.aggregator.network_aggregator == "net");
  CHECK(o.network.aggregators.at("j2") == "agg-2");
  CHECK(o.network.rounds == 4);
  CHECK_THROWS_WITH(load("federation:\n  aggregator:\n    slash_fraction: '0.5%'\n"),
                    Catch::Contains("aggregator.slash_fraction") && Catch::Contains("0.5%"));
  CHECK_THROWS_WITH(load("federation:\n  ledger: {colour: red}\n"), Catch::Contains("ledger.colour"));
}

TEST_CASE("a slash fraction is read exactly as basis points, never through a float", "[federation_config]") {
  CHECK(parse_fraction_bps("0", "--slash-fraction") == 0);
  CHECK(parse_fraction_bps("0.01", "--slash-fraction") == 100);
  CHECK(parse_fraction_bps("0.0001", "--slash-fraction") == 1);
  CHECK(parse_fraction_bps("1", "--slash-fraction") == 10000);
  CHECK(parse_fraction_bps("1.0", "--slash-fraction") == 10000);
  for (const char* bad : {"", "1.5", "2", "0.00001", ".5", "0.", "-0.1", "1e-2", "0,1"})
    CHECK_THROWS_WITH(parse_fraction_bps(bad, "--slash-fraction"), Catch::Contains("--slash-fraction"));
}
