#include "messages/round_messages.hpp"
#include "messages/treasury_messages.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace atn;

namespace {
named_tensors one_tensor(float v) {
  return {named_tensor{"w", {2}, std::make_shared<const std::vector<float>>(std::vector<float>{v, -v})}};
}
}  // namespace

TEST_CASE("a jurisdiction's model and the network model travel with their weights and inputs", "[round_messages]") {
  const auto j = to_wire(jurisdiction_model_msg{"abc", 120, one_tensor(1)}, "j1", 4);
  CHECK(j.type == round_type::jurisdiction_model);
  CHECK(j.jurisdiction == "j1");
  const auto jb = parse_jurisdiction_model(j);
  REQUIRE(jb);
  CHECK(jb->version == "abc");
  CHECK(jb->samples == 120);
  CHECK((*jb->weights.at(0).data)[1] == -1.0f);

  network_model_msg n{"def", {"j1", "j2"}, {"v1", "v2"}, {120, 80}, one_tensor(2)};
  const auto w = to_wire(n, 4);
  CHECK(w.jurisdiction == network_scope);
  const auto nb = parse_network_model(w);
  REQUIRE(nb);
  CHECK(nb->jurisdictions == n.jurisdictions);
  CHECK(nb->versions == n.versions);
  CHECK(nb->samples == n.samples);
  CHECK(round_message_types().size() == 8);  // the bridge admits both
}

TEST_CASE("network messages with missing, negative or uneven fields are refused, naming the field",
          "[round_messages]") {
  auto j = to_wire(jurisdiction_model_msg{"abc", 10, one_tensor(1)}, "j1", 1);
  j.fields.at("samples") = wire_value(std::int64_t{-3});
  auto jb = parse_jurisdiction_model(j);
  REQUIRE_FALSE(jb);
  CHECK(jb.error().find("'samples'") != std::string::npos);

  auto n = to_wire(network_model_msg{"def", {"j1", "j2"}, {"v1"}, {1, 2}, one_tensor(2)}, 1);
  auto nb = parse_network_model(n);
  REQUIRE_FALSE(nb);
  CHECK(nb.error().find("'versions'") != std::string::npos);

  auto m = to_wire(network_model_msg{"def", {"j1"}, {"v1"}, {1}, one_tensor(2)}, 1);
  m.fields.erase("samples");
  CHECK(parse_network_model(m).error().find("'samples' missing") != std::string::npos);
}

TEST_CASE("an emission share becomes the integer weight round(share x 10^12), and nothing else does",
          "[treasury_messages]") {
  CHECK(emission_weight(0) == "0");
  CHECK(emission_weight(1) == "1000000000000");
  CHECK(emission_weight(0.5025) == "502500000000");
  CHECK_THROWS_WITH(emission_weight(-0.1), Catch::Contains("[0, 1]"));
  CHECK_THROWS_WITH(emission_weight(1.5), Catch::Contains("[0, 1]"));
}
