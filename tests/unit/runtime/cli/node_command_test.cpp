// `atn-node node` as a user starts it: CURVE by default with the node's own key pair, every peer's key
// required and checked at once, plaintext only by explicit choice and with a warning. (Each run stops
// at its empty data directory, after the checks and the start lines this test reads.)
#include <catch2/catch.hpp>

#include "tests/unit/support/run_node.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace fs = std::filesystem;
using atn::test::run_node;

TEST_CASE("atn-node node speaks CURVE by default and plaintext only when told, with a warning",
          "[node][command][curve]") {
  atn::test::temp_dir dir("atn_node_cmd");
  fs::create_directories(dir.path / "empty");
  const std::string peer_key = "IU73tJ9b{7zwAXQoU%SdPQgTtGJq)Hgm1d!L@m=x";
  const std::string base = "node --id a --role solver --listen tcp://127.0.0.1:1 --data " +
                           (dir.path / "empty").string() + " --state-dir " + (dir.path / "a").string();

  // CURVE: the node makes its key pair and says its public key, the one keygen shows.
  auto curve = run_node(base + " --peer 'b=tcp://127.0.0.1:2," + peer_key + "'");
  INFO(curve.out);
  std::smatch m;
  REQUIRE(std::regex_search(curve.out, m, std::regex("CURVE on: this node's public key is (\\S{40});")));
  const std::string own_key = m[1];
  auto shown = run_node("keygen --state-dir " + (dir.path / "a").string());
  CHECK(shown.out.find("existing ") != std::string::npos);
  CHECK(shown.out.find("public_key " + own_key) != std::string::npos);
  CHECK(curve.out.find("CURVE is OFF") == std::string::npos);

  // A peer without a key, or with a bad one, stops the node at once, named.
  auto keyless = run_node(base + " --peer b=tcp://127.0.0.1:2");
  CHECK(keyless.exit_code == 1);
  CHECK(keyless.out.find("peer 'b' has no CURVE public key") != std::string::npos);
  CHECK(keyless.out.find("--insecure-plaintext") != std::string::npos);
  auto bad = run_node(base + " --peer 'b=tcp://127.0.0.1:2,NOTAKEY'");
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.find("public key 'NOTAKEY' is not a CURVE key") != std::string::npos);
  CHECK(bad.out.find("CURVE on") == std::string::npos);  // refused before anything started

  // Plaintext only by name, and said loudly.
  auto plain = run_node(base + " --peer b=tcp://127.0.0.1:2 --insecure-plaintext");
  INFO(plain.out);
  CHECK(plain.out.find("CURVE is OFF (--insecure-plaintext)") != std::string::npos);
  CHECK(plain.out.find("CURVE on") == std::string::npos);

  // The config file's peers: a bad key names the file, the peer and the key.
  const auto config = dir.path / "node.yaml";
  std::ofstream(config) << "federation:\n  id: a\n  listen: tcp://127.0.0.1:1\n  state_dir: a\n  data: empty\n"
                           "  peers:\n    - {id: b, endpoint: 'tcp://127.0.0.1:2', public_key: 'short'}\n";
  auto from_file = run_node("node --config " + config.string());
  CHECK(from_file.exit_code == 1);
  CHECK(from_file.out.find(config.string()) != std::string::npos);
  CHECK(from_file.out.find("public_key 'short' of 'b'") != std::string::npos);
}
