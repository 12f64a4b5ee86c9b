#include "runtime/config/federation_config.hpp"

#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace atn;
namespace fs = std::filesystem;

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

  federation_node_options coordinator;
  load_federation_config(fs::path(ATN_SOURCE_DIR) / "configs" / "lan-coordinator.yaml", coordinator);
  CHECK(coordinator.role == node_role::coordinator);
  CHECK(coordinator.coordinator.reference_steps == 10);
}

TEST_CASE("a bad federation config names the key", "[federation_config]") {
  atn::test::temp_dir dir;
  const auto file = dir.path / "node.yaml";
  auto load = [&](const std::string& text) {
    std::ofstream(file) << text;
    federation_node_options o;
    load_federation_config(file, o);
    return o;
  };
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
  CHECK(o.data_dir == dir.path / "atn");
  CHECK(o.peers.at(0).endpoint == "tcp://h:1");
}
