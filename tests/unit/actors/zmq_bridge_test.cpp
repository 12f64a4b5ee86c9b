#include "actors/zmq_bridge.hpp"
#include "messages/bridge_messages.hpp"
#include "messages/bridge_stats.hpp"
#include "runtime/transport/curve_keys.hpp"
#include "runtime/transport/message_trace.hpp"
#include "tests/unit/support/log_capture.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <thread>

namespace atn {
namespace {

using namespace std::chrono_literals;

// A delta of about 5 MB: its big tensor spans two 4 MiB frames.
named_tensors five_mb_delta() {
  named_tensors t;
  auto big = std::make_shared<std::vector<float>>(1200 * 1100);
  for (std::size_t i = 0; i < big->size(); ++i) (*big)[i] = static_cast<float>(i % 977) * 1e-4f - 0.05f;
  t.push_back({"enc.b", {1100}, std::make_shared<std::vector<float>>(1100, 0.25f)});
  t.push_back({"enc.w", {1200, 1100}, big});
  return t;
}

wire_message reveal(std::int64_t round, named_tensors tensors = {}) {
  wire_message m;
  m.type = "reveal";
  m.jurisdiction = "local";
  m.round = round;
  m.fields["salt"] = wire_value::bytes(32, 0x5a);
  m.fields["samples"] = 128;
  m.fields["loss"] = 0.75;
  m.tensors = std::move(tensors);
  return m;
}

std::string ipc(const test::temp_dir& dir, const std::string& name) {
  return "ipc://" + (dir.path / (name + ".sock")).string();
}

std::optional<inbound_message> await_inbound(caf::scoped_actor& self, std::chrono::milliseconds timeout = 10s) {
  std::optional<inbound_message> out;
  self->receive([&](inbound_message& m) { out = std::move(m); }, caf::after(timeout) >> [] {});
  return out;
}

std::optional<bridge_stats> stats_of(caf::scoped_actor& self, const caf::actor& bridge) {
  std::optional<bridge_stats> out;
  self->request(bridge, std::chrono::seconds(10), bridge_stats_atom::value)
      .receive([&](const bridge_stats& s) { out = s; }, [](caf::error&) {});
  return out;
}

// Polls `cond` until it holds or `timeout` passes.
template <class Cond>
bool eventually(Cond cond, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

void stop(caf::scoped_actor& self, const caf::actor& bridge) {
  self->send_exit(bridge, caf::exit_reason::user_shutdown);
  self->wait_for(bridge);
}

bridge_options node(const test::temp_dir& dir, const std::string& id, const std::vector<std::string>& peers) {
  bridge_options o;
  o.node_id = id;
  o.listen = ipc(dir, id);
  for (const auto& p : peers) o.peers.push_back({p, ipc(dir, p)});
  return o;
}

}  // namespace

TEST_CASE("zmq_bridge delivers a 5 MB delta sent before the peer binds, and records both traces",
          "[zmq_bridge][wire]") {
  test::temp_dir dir("atn_bridge");
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor ha{system}, hb{system};

  auto a_opts = node(dir, "a", {"b"});
  a_opts.trace_file = dir.path / "a.trace.jsonl";
  auto b_opts = node(dir, "b", {"a"});
  b_opts.trace_file = dir.path / "b.trace.jsonl";

  auto a = spawn_zmq_bridge(system, a_opts, caf::actor_cast<caf::actor>(ha));
  const auto delta = five_mb_delta();
  auto m = reveal(3, delta);
  m.from = "someone-else";  // the bridge sets it
  ha->send(a, outbound_message{"b", m});
  // Queued on a's DEALER while nothing listens at b's endpoint.
  auto sa = stats_of(ha, a);
  REQUIRE(sa);
  CHECK(sa->sent_messages == 1);
  CHECK(sa->sent_bytes > 5'000'000);
  CHECK(sa->send_failures == 0);

  auto b = spawn_zmq_bridge(system, b_opts, caf::actor_cast<caf::actor>(hb));
  auto in = await_inbound(hb);
  REQUIRE(in);
  CHECK(in->message.from == "a");
  CHECK(in->message.type == "reveal");
  CHECK(in->message.round == 3);
  CHECK(in->message.fields == m.fields);
  CHECK(in->bytes == sa->sent_bytes);
  CHECK(in->received_ms > 0);
  REQUIRE(layout_of(in->message.tensors) == layout_of(delta));
  CHECK(blake2b_256(in->message.tensors) == blake2b_256(delta));

  // And back the other way.
  hb->send(b, outbound_message{"a", reveal(4)});
  auto back = await_inbound(ha);
  REQUIRE(back);
  CHECK(back->message.from == "b");
  CHECK(back->message.round == 4);

  auto sb = stats_of(hb, b);
  REQUIRE(sb);
  CHECK(sb->received.accepted == 1);
  CHECK(sb->received.rejected_total() == 0);
  CHECK(sb->sent_messages == 1);
  stop(ha, a);
  stop(hb, b);

  input_report report;
  auto ta = read_message_trace(*a_opts.trace_file, report);
  auto tb = read_message_trace(*b_opts.trace_file, report);
  CHECK(report.total() == 0);
  REQUIRE(ta.size() == 2);
  CHECK(ta[0].dir == trace_direction::out);
  CHECK(ta[0].to == "b");
  CHECK(ta[0].message.from == "a");
  CHECK(blake2b_256(ta[0].message.tensors) == blake2b_256(delta));
  CHECK(ta[1].dir == trace_direction::in);
  CHECK(ta[1].message.from == "b");
  CHECK(ta[1].to == "a");
  REQUIRE(tb.size() == 2);
  CHECK(tb[0].dir == trace_direction::in);
  CHECK(tb[0].message.fields == m.fields);
  CHECK(blake2b_256(tb[0].message.tensors) == blake2b_256(delta));
  CHECK(tb[1].dir == trace_direction::out);
  CHECK(tb[0].t <= tb[1].t);
}

TEST_CASE("zmq_bridge broadcasts one encoding to every peer", "[zmq_bridge][wire]") {
  test::temp_dir dir("atn_bridge");
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor ha{system}, hb{system}, hc{system};

  auto a = spawn_zmq_bridge(system, node(dir, "a", {"b", "c"}), caf::actor_cast<caf::actor>(ha));
  const auto delta = five_mb_delta();
  ha->send(a, outbound_message{broadcast_peer, reveal(7, delta)});
  auto b = spawn_zmq_bridge(system, node(dir, "b", {"a", "c"}), caf::actor_cast<caf::actor>(hb));
  auto c = spawn_zmq_bridge(system, node(dir, "c", {"a", "b"}), caf::actor_cast<caf::actor>(hc));

  for (auto* h : {&hb, &hc}) {
    auto in = await_inbound(*h);
    REQUIRE(in);
    CHECK(in->message.from == "a");
    CHECK(in->message.round == 7);
    CHECK(blake2b_256(in->message.tensors) == blake2b_256(delta));
  }
  auto sa = stats_of(ha, a);
  REQUIRE(sa);
  CHECK(sa->sent_messages == 2);
  CHECK(sa->sent_bytes > 2 * 5'000'000);
  CHECK(sa->send_failures == 0);

  // c's broadcast reaches a and b, not c itself.
  hc->send(c, outbound_message{broadcast_peer, reveal(8)});
  for (auto* h : {&ha, &hb}) {
    auto in = await_inbound(*h);
    REQUIRE(in);
    CHECK(in->message.from == "c");
    CHECK(in->message.round == 8);
  }
  CHECK_FALSE(await_inbound(hc, 50ms));
  stop(ha, a);
  stop(hb, b);
  stop(hc, c);
}

TEST_CASE("zmq_bridge refuses unknown senders, forged senders and malformed frames, and goes on",
          "[zmq_bridge][wire]") {
  test::temp_dir dir("atn_bridge");
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor hb{system};
  auto b = spawn_zmq_bridge(system, node(dir, "b", {"a"}), caf::actor_cast<caf::actor>(hb));

  zmq::context_t ctx{1};
  const auto raw_dealer = [&](const std::string& id) {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::routing_id, id);
    s.set(zmq::sockopt::linger, 0);
    s.connect(ipc(dir, "b"));
    return s;
  };
  const auto message_from = [](const std::string& from, std::int64_t round) {
    auto m = reveal(round);
    m.from = from;
    return encode(m);
  };

  auto mallory = raw_dealer("mallory");
  auto frames = message_from("mallory", 1);
  REQUIRE(zmq::send_multipart(mallory, frames));

  auto a = raw_dealer("a");
  frames = message_from("eve", 2);  // connection says "a", envelope says "eve"
  REQUIRE(zmq::send_multipart(a, frames));
  REQUIRE(a.send(zmq::buffer(std::string("\xc1\x00garbage", 9))));  // 0xc1 is never msgpack
  frames = message_from("a", 3);
  REQUIRE(zmq::send_multipart(a, frames));

  auto in = await_inbound(hb);
  REQUIRE(in);
  CHECK(in->message.from == "a");
  CHECK(in->message.round == 3);

  // The good message came after the bad ones on a's connection; mallory's has its own.
  std::optional<bridge_stats> s;
  CHECK(eventually([&] {
    s = stats_of(hb, b);
    return s && s->unknown_sender == 1;
  }));
  REQUIRE(s);
  CHECK(s->sender_mismatch == 1);
  CHECK(s->received.rejected_for(wire_reject::malformed) == 1);
  CHECK(s->received.rejected_total() == 1);
  CHECK(s->received.accepted == 1);
  CHECK(s->summary().find("unknown_sender=1") != std::string::npos);
  CHECK_FALSE(await_inbound(hb, 50ms));  // nothing else got through
  stop(hb, b);
}

TEST_CASE("zmq_bridge counts what it cannot send", "[zmq_bridge][wire]") {
  test::temp_dir dir("atn_bridge");
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor ha{system};
  auto a = spawn_zmq_bridge(system, node(dir, "a", {"b"}), caf::actor_cast<caf::actor>(ha));

  ha->send(a, outbound_message{"nobody", reveal(1)});  // not a configured peer
  auto untyped = reveal(1);
  untyped.type.clear();  // encode refuses it
  ha->send(a, outbound_message{"b", untyped});
  auto s = stats_of(ha, a);
  REQUIRE(s);
  CHECK(s->send_failures == 2);
  CHECK(s->sent_messages == 0);
  stop(ha, a);
}

TEST_CASE("zmq_bridge stops with an error naming an endpoint it cannot bind", "[zmq_bridge][wire]") {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};

  zmq::context_t ctx{1};
  zmq::socket_t taken(ctx, zmq::socket_type::router);
  taken.set(zmq::sockopt::linger, 0);
  taken.bind("tcp://127.0.0.1:*");
  const std::string endpoint = taken.get(zmq::sockopt::last_endpoint);

  bridge_options o;
  o.node_id = "a";
  o.listen = endpoint;
  auto bridge = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(self));
  self->monitor(bridge);
  std::optional<caf::error> reason;
  self->receive([&](caf::down_msg& d) { reason = d.reason; }, caf::after(10s) >> [] {});
  REQUIRE(reason);
  CHECK(*reason == caf::sec::cannot_open_port);
  const auto text = system.render(*reason);
  INFO(text);
  CHECK(text.find(endpoint) != std::string::npos);
}

TEST_CASE("zmq_bridge refuses bad options", "[zmq_bridge][wire]") {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  bridge_options o;
  o.node_id = "a";
  o.listen = "inproc://a";
  o.peers.push_back({"a", "inproc://elsewhere"});  // itself as a peer
  auto bridge = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(self));
  self->monitor(bridge);
  std::optional<caf::error> reason;
  self->receive([&](caf::down_msg& d) { reason = d.reason; }, caf::after(10s) >> [] {});
  REQUIRE(reason);
  CHECK(*reason == caf::sec::invalid_argument);
}

TEST_CASE("zmq_bridge with CURVE admits only the peers' keys, each under its own id", "[zmq_bridge][curve]") {
  test::temp_dir dir("atn_bridge");
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor ha{system}, hb{system};
  const auto ka = generate_curve_keys(), kb = generate_curve_keys(), kc = generate_curve_keys();

  auto a_opts = node(dir, "a", {"b"});
  a_opts.curve = ka;
  a_opts.peers[0].public_key = kb.public_key;
  auto b_opts = node(dir, "b", {"a", "c", "d"});
  b_opts.curve = kb;
  b_opts.peers[0].public_key = ka.public_key;
  b_opts.peers[1].public_key = kc.public_key;
  b_opts.peers[2].public_key = generate_curve_keys().public_key;

  auto a = spawn_zmq_bridge(system, a_opts, caf::actor_cast<caf::actor>(ha));
  ha->send(a, outbound_message{"b", reveal(1, five_mb_delta())});
  auto b = spawn_zmq_bridge(system, b_opts, caf::actor_cast<caf::actor>(hb));
  auto in = await_inbound(hb);
  REQUIRE(in);
  CHECK(in->message.from == "a");
  CHECK(blake2b_256(in->message.tensors) == blake2b_256(five_mb_delta()));

  zmq::context_t ctx{1};
  const auto curve_dealer = [&](const std::string& id, const curve_key_pair& keys) {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::routing_id, id);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::curve_serverkey, kb.public_key);
    s.set(zmq::sockopt::curve_publickey, keys.public_key);
    s.set(zmq::sockopt::curve_secretkey, keys.secret_key);
    s.connect(b_opts.listen);
    return s;
  };
  auto forged = reveal(2);
  forged.from = "d";
  // A stranger's key is refused at the handshake.
  auto stranger = curve_dealer("d", generate_curve_keys());
  auto frames = encode(forged);
  REQUIRE(zmq::send_multipart(stranger, frames));
  // c's key presenting d's id.
  auto c_as_d = curve_dealer("d", kc);
  frames = encode(forged);
  REQUIRE(zmq::send_multipart(c_as_d, frames));
  // c's key presenting a's id gets nothing through and does not cut a off (a's DEALER presents no id).
  auto a_again = curve_dealer("a", kc);
  frames = encode(forged);
  REQUIRE(zmq::send_multipart(a_again, frames));

  std::optional<bridge_stats> s;
  CHECK(eventually([&] {
    s = stats_of(hb, b);
    return s && s->curve_denied >= 1 && s->impersonation == 2;
  }));
  REQUIRE(s);
  CHECK(s->unknown_sender == 0);
  CHECK(s->received.accepted == 1);
  CHECK_FALSE(await_inbound(hb, 50ms));

  // a's own traffic still flows.
  ha->send(a, outbound_message{"b", reveal(3)});
  in = await_inbound(hb);
  REQUIRE(in);
  CHECK(in->message.round == 3);
  stop(ha, a);
  stop(hb, b);
}

TEST_CASE("zmq_bridge stops when its inbound handler goes down", "[zmq_bridge][wire]") {
  test::temp_dir dir("atn_bridge");
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  caf::actor bridge;
  {
    caf::scoped_actor handler{system};
    bridge = spawn_zmq_bridge(system, node(dir, "a", {"b"}), caf::actor_cast<caf::actor>(handler));
    REQUIRE(stats_of(self, bridge));
  }
  self->monitor(bridge);
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(10s) >> [] {});
  CHECK(down);
}

}  // namespace atn

namespace atn {
namespace {

// The count a summary line gives ("... 9995 more malformed refusals from 'a' ..."), 0 if none.
std::uint64_t summary_count(const std::string& line) {
  static const std::regex more(R"(: (\d+) more \w+ refusals from )");
  std::smatch m;
  return std::regex_search(line, m, more) ? std::stoull(m[1].str()) : 0;
}

// A TCP port on loopback that nothing listens on (bound once by the kernel's choice, then freed).
std::string unused_loopback_endpoint() {
  zmq::context_t ctx{1};
  zmq::socket_t probe(ctx, zmq::socket_type::router);
  probe.set(zmq::sockopt::linger, 0);
  probe.bind("tcp://127.0.0.1:*");
  return probe.get(zmq::sockopt::last_endpoint);
}

}  // namespace

TEST_CASE("zmq_bridge logs a bounded number of lines for 10,000 junk messages and counts them all (issue 18)",
          "[zmq_bridge][wire][refusal_log]") {
  test::log_capture log;  // outlives the actor system, whose bridge logs into it
  test::temp_dir dir("atn_bridge");
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor hb{system};
  auto opts = node(dir, "b", {"a"});
  opts.refusal_log.first_lines = 5;
  opts.refusal_log.summary_interval = 200ms;
  opts.peer_report_interval = std::chrono::hours(1);  // a's endpoint is not up: not this test's subject
  const auto started = std::chrono::steady_clock::now();
  auto b = spawn_zmq_bridge(system, opts, caf::actor_cast<caf::actor>(hb));

  zmq::context_t ctx{1};
  const auto raw_dealer = [&](const std::string& id) {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::routing_id, id);
    s.set(zmq::sockopt::linger, 1000);
    s.set(zmq::sockopt::sndhwm, 0);
    s.connect(opts.listen);
    return s;
  };
  // 5,000 undecodable messages from the configured peer a, 5,000 well-formed ones from a stranger.
  auto a = raw_dealer("a");
  auto mallory = raw_dealer("mallory");
  auto forged = reveal(1);
  forged.from = "mallory";
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(a.send(zmq::buffer(std::string("\xc1junk", 5))));
    auto frames = encode(forged);
    REQUIRE(zmq::send_multipart(mallory, frames));
  }

  // Every refusal is counted...
  std::optional<bridge_stats> s;
  CHECK(eventually(
      [&] {
        s = stats_of(hb, b);
        return s && s->received.rejected_for(wire_reject::malformed) == 5000 && s->unknown_sender == 5000;
      },
      30s));
  REQUIRE(s);
  CHECK(s->received.accepted == 0);
  // ...and the summaries account for every refusal not logged on its own line.
  const auto a_lines = [&] { return log.lines_with("'a'"); };
  const auto mallory_lines = [&] { return log.lines_with("'mallory'"); };
  const auto accounted = [&](const std::vector<std::string>& lines) {
    std::uint64_t n = 0;
    for (const auto& l : lines) n += std::max<std::uint64_t>(1, summary_count(l));
    return n;
  };
  CHECK(eventually([&] { return accounted(a_lines()) == 5000 && accounted(mallory_lines()) == 5000; }));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  // The first five lines of each, then at most one summary per 200 ms interval.
  const auto intervals = static_cast<std::size_t>(elapsed / 200ms) + 1;
  for (const auto& lines : {a_lines(), mallory_lines()}) {
    INFO(lines.size() << " lines in " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                      << " ms");
    std::size_t full = 0, summaries = 0;
    for (const auto& l : lines) (summary_count(l) > 0 ? summaries : full)++;
    CHECK(full == 5);
    CHECK(summaries >= 1);
    CHECK(summaries <= intervals);
  }
  stop(hb, b);
}

TEST_CASE("zmq_bridge says a peer is not connected while it waits for it, and when it connects (issue 18)",
          "[zmq_bridge][wire][peer_link]") {
  test::log_capture log;
  test::temp_dir dir("atn_bridge");
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor ha{system}, hb{system};
  const std::string endpoint = unused_loopback_endpoint();
  auto a_opts = node(dir, "a", {"b"});
  a_opts.peers[0].endpoint = endpoint;
  a_opts.peer_report_interval = 300ms;
  auto a = spawn_zmq_bridge(system, a_opts, caf::actor_cast<caf::actor>(ha));

  const std::string waiting = "peer 'b' at " + endpoint + " not connected after";
  CHECK(eventually([&] { return log.count("connecting to b at " + endpoint) == 1; }));
  CHECK(eventually([&] { return log.count(waiting) >= 2; }));  // said again every interval
  CHECK(log.count("peer 'b' at " + endpoint + " connected") == 0);
  {
    INFO(log.lines_with(waiting).front());
    CHECK_THAT(log.lines_with(waiting).front(), Catch::Contains("still trying"));
  }

  // The peer comes up on that port: the link is reported once, and the reports stop.
  auto b_opts = node(dir, "b", {"a"});
  b_opts.listen = endpoint;
  auto b = spawn_zmq_bridge(system, b_opts, caf::actor_cast<caf::actor>(hb));
  CHECK(eventually([&] { return log.count("peer 'b' at " + endpoint + " connected after") == 1; }));
  const auto reports = log.count(waiting);
  ha->send(a, outbound_message{"b", reveal(5)});
  auto in = await_inbound(hb);
  REQUIRE(in);
  CHECK(in->message.round == 5);
  // A message's round trip takes several of a's polls; none of them reports b as down any more.
  ha->send(a, outbound_message{"b", reveal(6)});
  REQUIRE(await_inbound(hb));
  CHECK(log.count(waiting) == reports);

  // b goes away: a says so, and waits for it again.
  stop(hb, b);
  CHECK(eventually([&] { return log.count("peer 'b' at " + endpoint + " disconnected; reconnecting") == 1; }));
  stop(ha, a);
}

}  // namespace atn

namespace atn {
namespace {

// An aggregator-side bridge with CURVE on and two listed solvers, as `node` runs it.
struct curve_federation {
  test::temp_dir dir{"atn_bridge"};
  curve_key_pair aggregator = generate_curve_keys(), solver1 = generate_curve_keys(), solver2 = generate_curve_keys();

  bridge_options aggregator_options() const {
    auto o = node(dir, "aggregator", {"solver-1", "solver-2"});
    o.curve = aggregator;
    o.peers[0].public_key = solver1.public_key;
    o.peers[1].public_key = solver2.public_key;
    o.peer_report_interval = std::chrono::hours(1);  // the solvers' own ROUTERs are not this test's subject
    return o;
  }
  bridge_options solver1_options() const {
    auto o = node(dir, "solver-1", {"aggregator"});
    o.curve = solver1;
    o.peers[0].public_key = aggregator.public_key;
    return o;
  }
};

// A DEALER as an attacker writes it: the routing id it likes and, when given, a CURVE key pair.
zmq::socket_t attacker(zmq::context_t& ctx, const std::string& endpoint, const std::string& routing_id,
                       const std::optional<curve_key_pair>& keys, const std::string& server_key) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  if (!routing_id.empty()) s.set(zmq::sockopt::routing_id, routing_id);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, 0);
  if (keys) {
    s.set(zmq::sockopt::curve_serverkey, server_key);
    s.set(zmq::sockopt::curve_publickey, keys->public_key);
    s.set(zmq::sockopt::curve_secretkey, keys->secret_key);
  }
  s.connect(endpoint);
  return s;
}

wire_message forged_commit(const std::string& from) {
  wire_message m;
  m.type = "commit";
  m.from = from;
  m.jurisdiction = "local";
  m.round = 1;
  m.fields["kind"] = std::string("delta");
  m.fields["commitment"] = wire_value::bytes(32, 0xee);  // the forger's digest
  return m;
}

// This process's resident memory (VmRSS of /proc/self/status), in bytes.
std::uint64_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "VmRSS:  1234 kB"
  FAIL("no VmRSS line in /proc/self/status");
  return 0;
}

}  // namespace

TEST_CASE("zmq_bridge with CURVE refuses an unlisted key at the handshake and logs it (issue 18)",
          "[zmq_bridge][curve]") {
  test::log_capture log;
  curve_federation f;
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor h{system};
  const auto o = f.aggregator_options();
  auto agg = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(h));

  zmq::context_t ctx{1};
  const auto stranger_keys = generate_curve_keys();
  auto stranger = attacker(ctx, o.listen, "mallory", stranger_keys, f.aggregator.public_key);
  auto frames = encode(forged_commit("mallory"));
  REQUIRE(zmq::send_multipart(stranger, frames));

  std::optional<bridge_stats> s;
  CHECK(eventually([&] {
    s = stats_of(h, agg);
    return s && s->curve_denied >= 1;
  }));
  REQUIRE(s);
  CHECK(s->received.accepted == 0);
  CHECK(s->unknown_sender == 0);  // refused before any message was read
  CHECK_FALSE(await_inbound(h, 200ms));
  CHECK(log.count("with CURVE key " + stranger_keys.public_key + ": not a configured peer's") >= 1);
  stop(h, agg);
}

TEST_CASE("zmq_bridge with CURVE: a DEALER presenting solver-1's id with another key forges nothing (issue 18)",
          "[zmq_bridge][curve][impersonation]") {
  test::log_capture log;
  curve_federation f;
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor h{system}, hs{system};
  zmq::context_t ctx{1};

  SECTION("the attack, without CURVE: the routing id alone makes the forger solver-1") {
    auto o = f.aggregator_options();
    o.curve.reset();
    auto agg = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(h));
    auto forger = attacker(ctx, o.listen, "solver-1", std::nullopt, "");
    auto frames = encode(forged_commit("solver-1"));
    REQUIRE(zmq::send_multipart(forger, frames));
    auto in = await_inbound(h);
    REQUIRE(in);  // the forgery reached the actor as solver-1's commit
    CHECK(in->message.from == "solver-1");
    CHECK(in->message.fields.at("commitment") == wire_value::bytes(32, 0xee));
    stop(h, agg);
  }

  SECTION("with CURVE: refused whether the forger's key is its own, another listed node's or stolen") {
    const auto o = f.aggregator_options();
    auto agg = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(h));
    // Its own key: not listed, refused at the handshake.
    auto own_key = attacker(ctx, o.listen, "solver-1", generate_curve_keys(), f.aggregator.public_key);
    auto frames = encode(forged_commit("solver-1"));
    REQUIRE(zmq::send_multipart(own_key, frames));
    // solver-2's key (a listed node turned forger), presenting solver-1's id and name.
    auto insider = attacker(ctx, o.listen, "solver-1", f.solver2, f.aggregator.public_key);
    frames = encode(forged_commit("solver-1"));
    REQUIRE(zmq::send_multipart(insider, frames));
    // solver-1's public key without its secret key: the handshake's proof of the key fails.
    curve_key_pair stolen{f.solver1.public_key, generate_curve_keys().secret_key};
    auto thief = attacker(ctx, o.listen, "solver-1", stolen, f.aggregator.public_key);
    frames = encode(forged_commit("solver-1"));
    REQUIRE(zmq::send_multipart(thief, frames));
    // solver-2's key with no routing id, naming solver-1 only in the envelope.
    auto envelope = attacker(ctx, o.listen, "", f.solver2, f.aggregator.public_key);
    frames = encode(forged_commit("solver-1"));
    REQUIRE(zmq::send_multipart(envelope, frames));

    std::optional<bridge_stats> s;
    CHECK(eventually([&] {
      s = stats_of(h, agg);
      return s && s->curve_denied >= 1 && s->handshake_failed >= 1 && s->impersonation == 1 && s->sender_mismatch == 1;
    }));
    REQUIRE(s);
    CHECK(s->received.accepted == 0);
    CHECK_FALSE(await_inbound(h, 200ms));  // no forged message reached the actor
    CHECK(log.count("presents the id 'solver-1' with the key of peer 'solver-2'") == 1);
    CHECK(log.count("from peer 'solver-2' that claims to be from 'solver-1'") == 1);

    // The real solver-1, connected while the forger squats on its routing id, still speaks as itself.
    auto solver = spawn_zmq_bridge(system, f.solver1_options(), caf::actor_cast<caf::actor>(hs));
    wire_message real = forged_commit("ignored");
    real.fields["commitment"] = wire_value::bytes(32, 0x11);
    hs->send(solver, outbound_message{"aggregator", real});
    auto in = await_inbound(h);
    REQUIRE(in);
    CHECK(in->message.from == "solver-1");
    CHECK(in->message.fields.at("commitment") == wire_value::bytes(32, 0x11));
    stop(hs, solver);
    stop(h, agg);
  }
}

TEST_CASE("zmq_bridge with CURVE refuses plaintext and counts it (issue 18)", "[zmq_bridge][curve]") {
  test::log_capture log;
  curve_federation f;
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor h{system};
  const auto o = f.aggregator_options();
  auto agg = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(h));

  zmq::context_t ctx{1};
  auto plain = attacker(ctx, o.listen, "solver-1", std::nullopt, "");
  auto frames = encode(forged_commit("solver-1"));
  REQUIRE(zmq::send_multipart(plain, frames));

  std::optional<bridge_stats> s;
  CHECK(eventually([&] {
    s = stats_of(h, agg);
    return s && s->handshake_failed >= 1;
  }));
  REQUIRE(s);
  CHECK(s->received.accepted == 0);
  CHECK_FALSE(await_inbound(h, 200ms));
  CHECK(log.count("plaintext is refused") >= 1);
  CHECK(s->counters().at("handshake_failed") == s->handshake_failed);
  stop(h, agg);
}

TEST_CASE("zmq_bridge refuses CURVE options that would let one key speak for two nodes", "[zmq_bridge][curve]") {
  curve_federation f;
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  const auto reason_for = [&](const bridge_options& o) {
    auto b = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(self));
    self->monitor(b);
    std::optional<caf::error> reason;
    self->receive([&](caf::down_msg& d) { reason = d.reason; }, caf::after(10s) >> [] {});
    return reason;
  };
  auto shared = f.aggregator_options();
  shared.peers[1].public_key = shared.peers[0].public_key;
  auto r = reason_for(shared);
  REQUIRE(r);
  CHECK(system.render(*r).find("'solver-1' and 'solver-2' have the same public key") != std::string::npos);

  auto bad = f.aggregator_options();
  bad.peers[0].public_key = "not-a-key";
  r = reason_for(bad);
  REQUIRE(r);
  CHECK(system.render(*r).find("'not-a-key'") != std::string::npos);
}

TEST_CASE("zmq_bridge bounds what unauthenticated connections make it hold: 3 x 250 messages of 4 MiB (issue 18)",
          "[zmq_bridge][curve][memory]") {
  curve_federation f;
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor h{system};
  zmq::context_t ctx{1};
  // One 4 MiB frame (the codec's largest), sent zero-copy 750 times: the senders hold nothing per message.
  static const std::vector<char> payload(wire_max_frame_bytes, 'x');
  const auto flood = [&](zmq::socket_t& s) {
    for (int i = 0; i < 250; ++i) {
      zmq::message_t m(const_cast<char*>(payload.data()), payload.size(), nullptr);
      REQUIRE(s.send(m, zmq::send_flags::none));
    }
  };
  const std::uint64_t mib = 1 << 20;

  SECTION("CURVE (the default): unlisted keys are refused before a byte of theirs is buffered") {
    const auto o = f.aggregator_options();
    auto agg = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(h));
    const auto before = resident_bytes();
    std::vector<zmq::socket_t> senders;
    for (int c = 0; c < 3; ++c)
      senders.push_back(
          attacker(ctx, o.listen, "x" + std::to_string(c), generate_curve_keys(), f.aggregator.public_key));
    for (auto& s : senders) flood(s);
    std::uint64_t peak = before;
    std::optional<bridge_stats> st;
    // Every connection refused, with its 1 GB still queued on its side.
    CHECK(eventually(
        [&] {
          peak = std::max(peak, resident_bytes());
          st = stats_of(h, agg);
          return st && st->curve_denied >= 3;
        },
        30s));
    const auto growth = peak > before ? peak - before : 0;
    WARN("CURVE node: resident memory grew by " << growth / mib
                                                << " MiB while 3 unlisted keys offered 3 x 250 x 4 MiB");
    CHECK(growth < 64 * mib);
    REQUIRE(st);
    CHECK(st->received.accepted == 0);
    stop(h, agg);
  }

  SECTION("a listed peer the node is slow to read (it traces every message to disk) waits at the queue's bound") {
    auto o = f.aggregator_options();
    o.curve.reset();
    // ATN_TEST_BRIDGE_HWM=1000 (ZeroMQ's default) shows what the bound saves: 363 MiB against 85 MiB here.
    if (const char* hwm = std::getenv("ATN_TEST_BRIDGE_HWM")) o.max_queued_per_connection = std::atoi(hwm);
    o.trace_file = f.dir.path / "aggregator.trace.jsonl";
    auto agg = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(h));
    const auto before = resident_bytes();
    auto peer = attacker(ctx, o.listen, "solver-1", std::nullopt, "");
    named_tensors t;  // one 4 MiB tensor, shared by every encoding
    t.push_back({"w", {1 << 20}, std::make_shared<std::vector<float>>(std::size_t{1} << 20, 0.5f)});
    auto m = reveal(1, t);
    m.from = "solver-1";
    constexpr int messages = 150;
    for (int i = 0; i < messages; ++i) {
      auto frames = encode(m);
      REQUIRE(zmq::send_multipart(peer, frames));
    }
    std::uint64_t peak = before;
    int received = 0;
    CHECK(eventually(
        [&] {
          peak = std::max(peak, resident_bytes());
          bool more = true;
          while (more) {
            more = false;
            h->receive([&](inbound_message&) { ++received, more = true; },
                       caf::after(std::chrono::seconds(0)) >> [] {});
          }
          return received == messages;
        },
        120s));
    const auto growth = peak > before ? peak - before : 0;
    WARN("slow reader: resident memory grew by " << growth / mib << " MiB while a peer sent " << messages
                                                 << " x 4 MiB (queue bound " << o.max_queued_per_connection << ")");
    const std::uint64_t bound =
        (static_cast<std::uint64_t>(o.max_queued_per_connection) + 4) * wire_max_frame_bytes + 96 * mib;
    CHECK(growth < bound);
    stop(h, agg);
  }

  SECTION("plaintext: what unknown senders make it hold is bounded by the per-connection queue") {
    auto o = f.aggregator_options();
    o.curve.reset();
    auto agg = spawn_zmq_bridge(system, o, caf::actor_cast<caf::actor>(h));
    const auto before = resident_bytes();
    std::vector<zmq::socket_t> senders;
    for (int c = 0; c < 3; ++c) senders.push_back(attacker(ctx, o.listen, "x" + std::to_string(c), std::nullopt, ""));
    for (auto& s : senders) flood(s);
    std::uint64_t peak = before;
    std::optional<bridge_stats> st;
    CHECK(eventually(
        [&] {
          peak = std::max(peak, resident_bytes());
          st = stats_of(h, agg);
          return st && st->unknown_sender == 750;
        },
        60s));
    const auto growth = peak > before ? peak - before : 0;
    WARN("plaintext node: resident memory grew by " << growth / mib << " MiB while reading and refusing 750 x 4 MiB");
    // At most the queued messages of each connection, one being read, and the socket buffers.
    const std::uint64_t bound =
        3 * (static_cast<std::uint64_t>(o.max_queued_per_connection) + 2) * wire_max_frame_bytes + 64 * mib;
    CHECK(growth < bound);
    REQUIRE(st);
    CHECK(st->received.accepted == 0);
    stop(h, agg);
  }
}

}  // namespace atn
