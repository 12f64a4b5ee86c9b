#include "actors/network_aggregator.hpp"

#include "actors/aggregator.hpp"
#include "messages/bridge_messages.hpp"
#include "model/checkpoint.hpp"
#include "runtime/util/file_util.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

using namespace atn;
using namespace std::chrono_literals;

namespace {

named_tensors model(float a, float b) {
  return {named_tensor{"w", {2}, std::make_shared<const std::vector<float>>(std::vector<float>{a, b})}};
}

inbound_message from(const std::string& node, const std::string& jurisdiction, std::int64_t round,
                     const named_tensors& weights, std::int64_t samples) {
  auto m = to_wire(jurisdiction_model_msg{to_hex(blake2b_256(weights)), samples, weights}, jurisdiction, round);
  m.from = node;
  return {m, 0, 0};
}

}  // namespace

TEST_CASE("the network model is the jurisdictions' models averaged by samples", "[network_aggregator]") {
  const auto avg = network_average({{"j1", {30, model(1, 2)}}, {"j2", {10, model(5, -2)}}});
  CHECK((*avg.at(0).data)[0] == Approx(2.0));  // (30·1 + 10·5) / 40
  CHECK((*avg.at(0).data)[1] == Approx(1.0));  // (30·2 − 10·2) / 40
  const auto plain = network_average({{"j1", {0, model(1, 2)}}, {"j2", {0, model(3, 4)}}});
  CHECK((*plain.at(0).data)[0] == Approx(2.0));  // no samples anywhere: equal weights
}

TEST_CASE(
    "the network aggregator averages a round once every jurisdiction's aggregator sent its model, and "
    "refuses impostors",
    "[network_aggregator]") {
  atn::test::temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  network_aggregator_options o;
  o.aggregators = {{"j1", "agg-1"}, {"j2", "agg-2"}};
  o.rounds = 1;
  o.state_dir = dir.path;
  auto net = spawn_network_aggregator(system, o, self, self);

  // An impostor for j1, then a model of another layout: both refused, nothing published.
  self->send(net, from("solver-9", "j1", 1, model(100, 100), 1000));
  self->send(net, from("agg-1", "j1", 1, model(1, 2), 30));
  self->send(
      net, from("agg-2", "j2", 1,
                {named_tensor{"w", {3}, std::make_shared<const std::vector<float>>(std::vector<float>(3, 0.f))}}, 10));
  bool published = false;
  self->receive([&](const outbound_message&) { published = true; }, caf::after(300ms) >> [] {});
  CHECK_FALSE(published);

  self->send(net, from("agg-2", "j2", 1, model(5, -2), 10));
  network_model_msg out;
  self->receive(
      [&](const outbound_message& m) {
        CHECK(m.to == broadcast_peer);
        auto n = parse_network_model(m.message);
        REQUIRE(n);
        out = *n;
      },
      caf::after(10s) >> [] { FAIL("no network model"); });
  CHECK(out.jurisdictions == std::vector<std::string>{"j1", "j2"});
  CHECK(out.samples == std::vector<std::int64_t>{30, 10});
  CHECK((*out.weights.at(0).data)[0] == Approx(2.0));
  CHECK(out.version == to_hex(blake2b_256(out.weights)));
  network_report report;
  self->receive([&](const network_report& r) { report = r; }, caf::after(10s) >> [] { FAIL("no report"); });
  CHECK(report.version == out.version);
  self->receive([&](round_done_atom, std::int64_t r) { CHECK(r == 1); }, caf::after(10s) >> [] { FAIL("not done"); });
  // The inputs and the output are kept for anyone to check.
  for (const char* f : {"j1.ckpt", "j2.ckpt", "network.ckpt"}) CHECK(std::filesystem::exists(dir.path / "round-1" / f));
  self->send_exit(net, caf::exit_reason::user_shutdown);
}
