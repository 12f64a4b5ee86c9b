#include "runtime/transport/curve_keys.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <thread>
#include <vector>

namespace atn {

namespace fs = std::filesystem;

TEST_CASE("a node's CURVE keys are made once and kept under its state dir", "[curve]") {
  test::temp_dir dir("atn_keys");
  const auto keys = load_or_create_curve_keys(dir.path);
  CHECK(is_curve_key(keys.public_key));
  CHECK(is_curve_key(keys.secret_key));
  CHECK(keys.public_key != keys.secret_key);
  const auto key_file = dir.path / "keys" / "node.key";
  CHECK((fs::status(key_file).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);

  const auto again = load_or_create_curve_keys(dir.path);
  CHECK(again.public_key == keys.public_key);
  CHECK(again.secret_key == keys.secret_key);

  // node.pub is derived, so a lost one comes back.
  fs::remove(dir.path / "keys" / "node.pub");
  CHECK(load_or_create_curve_keys(dir.path).public_key == keys.public_key);
  std::ifstream pub(dir.path / "keys" / "node.pub");
  std::string shown;
  pub >> shown;
  CHECK(shown == keys.public_key);

  CHECK(generate_curve_keys().public_key != keys.public_key);
  CHECK_FALSE(is_curve_key("short"));
  CHECK_FALSE(is_curve_key(std::string(40, ' ')));  // not Z85 characters
}

TEST_CASE("a damaged key file is an error naming it", "[curve]") {
  test::temp_dir dir("atn_keys");
  fs::create_directories(dir.path / "keys");
  std::ofstream(dir.path / "keys" / "node.key") << "not a key\n";
  try {
    load_or_create_curve_keys(dir.path);
    FAIL("a damaged key file was accepted");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("node.key") != std::string::npos);
  }
}

TEST_CASE("concurrent first starts make one key pair and all load it", "[curve]") {
  test::temp_dir dir("atn_keys");
  std::vector<curve_identity> seen(8);
  std::vector<std::thread> threads;
  for (auto& s : seen) threads.emplace_back([&s, &dir] { s = load_or_create_curve_identity(dir.path); });
  for (auto& t : threads) t.join();
  std::set<std::string> keys;
  int created = 0;
  for (const auto& s : seen) {
    keys.insert(s.keys.public_key);
    created += s.created ? 1 : 0;
  }
  CHECK(keys.size() == 1);
  CHECK(created == 1);
  CHECK((fs::status(dir.path / "keys").permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
        fs::perms::none);
}

TEST_CASE("a key file others can read is refused, naming it", "[curve]") {
  test::temp_dir dir("atn_keys");
  const auto id = load_or_create_curve_identity(dir.path);
  CHECK(id.created);
  fs::permissions(id.key_file, fs::perms::group_read, fs::perm_options::add);
  CHECK_THROWS_WITH(load_or_create_curve_identity(dir.path),
                    Catch::Contains(id.key_file.string()) && Catch::Contains("chmod 600"));
  fs::permissions(id.key_file, fs::perms::group_read, fs::perm_options::remove);
  const auto again = load_or_create_curve_identity(dir.path);
  CHECK_FALSE(again.created);
  CHECK(again.keys.secret_key == id.keys.secret_key);
}

}  // namespace atn
