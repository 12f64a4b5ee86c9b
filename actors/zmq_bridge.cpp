#include "actors/zmq_bridge.hpp"

#include "data/log_escape.hpp"
#include "messages/bridge_messages.hpp"
#include "messages/bridge_stats.hpp"
#include "runtime/transport/curve_keys.hpp"
#include "runtime/transport/endpoint_check.hpp"
#include "runtime/transport/message_trace.hpp"
#include "runtime/transport/peer_link_watch.hpp"
#include "runtime/transport/refusal_log_limiter.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace atn {
namespace {

// Sent by the bridge to itself: one poll of the ROUTER, then the mailbox again.
using bridge_poll_atom = caf::atom_constant<caf::atom("brgpoll")>;

// How long a poll waits when the mailbox is empty: the most an outbound message waits.
constexpr long poll_ms = 5;
// Messages taken off the ROUTER per poll before the mailbox gets its turn.
constexpr int max_receives_per_poll = 64;
// Close waits this long for queued messages to leave, then drops them.
constexpr int linger_ms = 250;
// ZMTP heartbeats: a connection silent this long is closed and (on a DEALER) redialled.
constexpr int heartbeat_ivl_ms = 5000;
constexpr int heartbeat_timeout_ms = 15000;
// What a frame may carry on the wire beyond its payload (CURVE box and command header: 50 bytes).
constexpr std::uint64_t max_frame_overhead = 4096;

// What the DEALER monitors report about each peer's link.
constexpr int monitored_events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
// What the ROUTER's monitor reports: connections that failed before a key was checked (a refused
// key is the ZAP handler's to count).
constexpr int router_events = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;

using bridge_clock = std::chrono::steady_clock;

// One peer's DEALER monitor: the PAIR socket its events arrive on, and what they mean.
struct peer_monitor {
  zmq::socket_t events;
  peer_link_watch watch;
};

struct bridge_state {
  bridge_options options;
  caf::actor handler;
  zmq::context_t context{1};                        // declared before the sockets: destroyed after them
  std::optional<zmq::socket_t> zap;                 // the ZAP handler when CURVE is on: admits peers' keys
  std::map<std::string, std::string> allowed_keys;  // raw 32-byte public key → peer id
  std::optional<zmq::socket_t> router;
  std::optional<zmq::socket_t> router_monitor;   // the ROUTER's failed handshakes
  std::map<std::string, zmq::socket_t> dealers;  // peer id → its DEALER
  std::map<std::string, peer_monitor> monitors;  // peer id → its DEALER's monitor
  std::optional<refusal_log_limiter> refusals;
  std::unique_ptr<message_trace_writer> trace;
  bridge_stats stats;
  bool trace_failure_logged = false;
  static inline const char* name = "zmq_bridge";

  ~bridge_state();
};

using self_ptr = caf::stateful_actor<bridge_state>*;

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void set_heartbeat(zmq::socket_t& s) {
  s.set(zmq::sockopt::heartbeat_ivl, heartbeat_ivl_ms);
  s.set(zmq::sockopt::heartbeat_timeout, heartbeat_timeout_ms);
}

caf::error invalid(const std::string& what) {
  spdlog::error("zmq_bridge: {}", what);
  return caf::make_error(caf::sec::invalid_argument, what);
}

caf::error check_options(const bridge_options& o, const caf::actor& handler) {
  if (!handler) return invalid("node '" + log_escape(o.node_id) + "' has no inbound handler");
  // A ZeroMQ routing id is 1..255 bytes and may not start with a zero byte.
  const auto bad_id = [](const std::string& id) { return id.empty() || id.size() > 255 || id[0] == '\0'; };
  if (bad_id(o.node_id)) return invalid("node id '" + log_escape(o.node_id) + "' is not 1 to 255 bytes");
  if (o.listen.empty()) return invalid("node '" + o.node_id + "' has no listen endpoint");
  if (auto problem = endpoint_problem(o.listen, true))
    return invalid("listen endpoint '" + log_escape(o.listen) + "' is invalid: " + *problem);
  std::set<std::string> seen;
  for (const auto& p : o.peers) {
    if (bad_id(p.id)) return invalid("peer id '" + log_escape(p.id) + "' is not 1 to 255 bytes");
    if (p.id == o.node_id) return invalid("peer '" + p.id + "' has this node's own id");
    if (!seen.insert(p.id).second) return invalid("peer '" + p.id + "' is configured twice");
    if (p.endpoint.empty()) return invalid("peer '" + p.id + "' has no endpoint");
    // ZeroMQ would accept it and wait forever in silence: refused at once, naming the endpoint.
    if (auto problem = endpoint_problem(p.endpoint))
      return invalid("peer '" + log_escape(p.id) + "' endpoint '" + log_escape(p.endpoint) +
                     "' is invalid: " + *problem);
  }
  if (!o.curve) return caf::none;
  if (!is_curve_key(o.curve->public_key) || !is_curve_key(o.curve->secret_key))
    return invalid("node '" + o.node_id + "' has an invalid CURVE key pair");
  std::map<std::string, std::string> owner;  // public key → peer id
  for (const auto& p : o.peers) {
    if (p.public_key.empty()) return invalid("peer '" + log_escape(p.id) + "' has no CURVE public key");
    if (!is_curve_key(p.public_key))
      return invalid("peer '" + log_escape(p.id) + "' public key '" + log_escape(p.public_key) +
                     "' is not a CURVE key (40 Z85 characters)");
    // A key names one node: shared, it would let one speak as the other.
    if (p.public_key == o.curve->public_key)
      return invalid("peer '" + log_escape(p.id) + "' has this node's own public key");
    if (auto [it, fresh] = owner.emplace(p.public_key, p.id); !fresh)
      return invalid("peers '" + log_escape(it->second) + "' and '" + log_escape(p.id) + "' have the same public key");
  }
  return caf::none;
}

// Binds the ROUTER, connects the DEALERs and opens the trace.
caf::error open(bridge_state& st) {
  const auto& o = st.options;
  if (auto err = check_options(o, st.handler)) return err;
  if (o.curve) {
    try {
      // libzmq asks the handler bound here in the same context about every CURVE handshake.
      st.zap.emplace(st.context, zmq::socket_type::rep);
      st.zap->set(zmq::sockopt::linger, 0);
      st.zap->bind("inproc://zeromq.zap.01");
    } catch (const zmq::error_t& e) {
      return invalid("node '" + o.node_id + "' cannot start its ZAP handler: " + e.what());
    }
    for (const auto& p : o.peers) {
      std::string raw(32, '\0');
      zmq_z85_decode(reinterpret_cast<std::uint8_t*>(raw.data()), p.public_key.c_str());
      st.allowed_keys[raw] = p.id;
    }
  }
  try {
    st.router.emplace(st.context, zmq::socket_type::router);
    auto& r = *st.router;
    r.set(zmq::sockopt::linger, linger_ms);
    // No handover: a connection claiming an id that is already connected is ignored, so nobody
    // can cut a peer off by claiming its id. A dead peer's connection is closed by the kernel or,
    // across a broken network, by the heartbeat, and the restarted peer gets its id back.
    set_heartbeat(r);
    // What a connection can make the node hold before the bridge reads it: a few whole messages,
    // then ZeroMQ stops reading from that connection (the sender waits; nothing is dropped).
    r.set(zmq::sockopt::rcvhwm, o.max_queued_per_connection);
    // No single frame above what the codec could accept: a bigger one drops the connection
    // before it is buffered. The slack covers CURVE's per-frame overhead, which counts here.
    const auto frame_cap = std::max<std::uint64_t>(o.limits.max_header_bytes, wire_max_frame_bytes);
    r.set(zmq::sockopt::maxmsgsize,
          static_cast<std::int64_t>(std::min(frame_cap, o.limits.max_message_bytes) + max_frame_overhead));
    if (o.curve) {
      r.set(zmq::sockopt::curve_server, true);
      r.set(zmq::sockopt::curve_secretkey, o.curve->secret_key);
      r.set(zmq::sockopt::zap_domain, "atn");
    }
    // Watched before it binds, so no failed handshake goes uncounted.
    if (zmq_socket_monitor(r.handle(), "inproc://atn-router-monitor", router_events) != 0) throw zmq::error_t();
    st.router_monitor.emplace(st.context, zmq::socket_type::pair);
    st.router_monitor->set(zmq::sockopt::linger, 0);
    st.router_monitor->connect("inproc://atn-router-monitor");
  } catch (const zmq::error_t& e) {
    return invalid("cannot create the ROUTER of node '" + o.node_id + "': " + e.what());
  }
  try {
    st.router->bind(o.listen);
  } catch (const zmq::error_t& e) {
    const std::string what = "node '" + o.node_id + "' cannot bind its ROUTER to '" + o.listen + "': " + e.what();
    spdlog::error("zmq_bridge: {}", what);
    return caf::make_error(caf::sec::cannot_open_port, what);
  }
  for (const auto& p : o.peers) {
    try {
      zmq::socket_t dealer(st.context, zmq::socket_type::dealer);
      // Without CURVE the peer's ROUTER knows this node by the routing id it presents. With CURVE
      // it knows it by its key, and the DEALER presents none: the ROUTER gives each connection an
      // id of its own, so no connection can take another's id.
      if (!o.curve) dealer.set(zmq::sockopt::routing_id, o.node_id);
      dealer.set(zmq::sockopt::linger, linger_ms);
      // No high-water mark: a round sends a handful of messages, and a message over the mark
      // would be dropped, which costs the peer its round. They wait here until the peer is up.
      dealer.set(zmq::sockopt::sndhwm, 0);
      set_heartbeat(dealer);
      if (o.curve) {
        dealer.set(zmq::sockopt::curve_serverkey, p.public_key);
        dealer.set(zmq::sockopt::curve_publickey, o.curve->public_key);
        dealer.set(zmq::sockopt::curve_secretkey, o.curve->secret_key);
      }
      // The monitor's PAIR connects before the DEALER dials, so no event is lost.
      const std::string monitor_endpoint = "inproc://atn-peer-monitor-" + std::to_string(st.monitors.size());
      if (zmq_socket_monitor(dealer.handle(), monitor_endpoint.c_str(), monitored_events) != 0) throw zmq::error_t();
      zmq::socket_t events(st.context, zmq::socket_type::pair);
      events.set(zmq::sockopt::linger, 0);
      events.connect(monitor_endpoint);
      st.monitors.emplace(
          p.id, peer_monitor{std::move(events), peer_link_watch(log_escape(p.id), log_escape(p.endpoint),
                                                                o.peer_report_interval, bridge_clock::now())});
      dealer.connect(p.endpoint);
      st.dealers.emplace(p.id, std::move(dealer));
    } catch (const zmq::error_t& e) {
      return invalid("node '" + o.node_id + "' cannot connect to peer '" + p.id + "' at '" + p.endpoint +
                     "': " + e.what());
    }
  }
  st.refusals.emplace(o.refusal_log);
  if (o.trace_file) {
    try {
      st.trace = std::make_unique<message_trace_writer>(*o.trace_file);
    } catch (const std::exception& e) {
      return invalid(e.what());
    }
  }
  return caf::none;
}

void trace(bridge_state& st, trace_direction dir, const std::string& to, const wire_message& m) {
  if (!st.trace) return;
  try {
    st.trace->record(dir, to, m);
  } catch (const std::exception& e) {
    ++st.stats.trace_failures;
    // One line, not one per message: a full disk would otherwise flood the log.
    if (!st.trace_failure_logged) spdlog::error("zmq_bridge '{}': trace: {}", st.options.node_id, e.what());
    st.trace_failure_logged = true;
  }
}

// Whether a refusal's line is to be written: the first few per (peer, reason) are, the rest are
// counted for a summary (report_refusals); every refusal is counted in the stats either way.
bool log_refusal(bridge_state& st, const std::string& peer, const char* reason) {
  return st.refusals->admit(peer, reason, bridge_clock::now());
}

// "... 9995 more malformed refusals from 'a' in the last 10 s".
void log_summaries(const bridge_state& st, const std::vector<refusal_log_limiter::summary>& summaries) {
  for (const auto& s : summaries)
    spdlog::warn("zmq_bridge '{}': {} more {} refusals from '{}' in the last {:.1f} s (not logged one by one)",
                 st.options.node_id, s.held_back, s.reason, log_escape(s.peer),
                 static_cast<double>(s.span.count()) / 1000);
}

void report_refusals(bridge_state& st) { log_summaries(st, st.refusals->due(bridge_clock::now())); }

bridge_state::~bridge_state() {
  // The last counts of held-back refusals are logged before the bridge goes.
  if (refusals) log_summaries(*this, refusals->flush(bridge_clock::now()));
  monitors.clear();
  dealers.clear();
  router.reset();
  router_monitor.reset();
  zap.reset();
  context.close();
}

// Who sent a message off the ROUTER, or nothing when it is refused (counted and logged here).
// Without CURVE it is the routing id the connection presented, which must be a peer's. With CURVE
// it is the peer whose key the connection presented (the ZAP handler's user id); a connection
// that also presents a routing id must present that peer's.
std::optional<std::string> sender_of(bridge_state& st, std::vector<zmq::message_t>& frames) {
  const std::string& node = st.options.node_id;
  const std::string id = frames.front().to_string();
  // The ROUTER's own ids for anonymous connections start with a zero byte, which no node id does.
  const bool presented = !id.empty() && id[0] != '\0';
  if (!st.zap) {
    if (st.dealers.count(id) != 0) return id;
    ++st.stats.unknown_sender;
    if (log_refusal(st, id, "unknown_sender"))
      spdlog::warn("zmq_bridge '{}': refused a message from unknown sender '{}' ({} frames)", node,
                   presented ? log_escape(id) : std::string("(no id)"), frames.size() - 1);
    return std::nullopt;
  }
  std::string user;
  try {
    user = frames.back().gets("User-Id");
  } catch (const zmq::error_t&) {}
  if (st.dealers.count(user) == 0) {  // cannot happen: the ZAP handler admitted only peers' keys
    ++st.stats.unknown_sender;
    if (log_refusal(st, user, "unknown_sender"))
      spdlog::warn("zmq_bridge '{}': refused a message whose connection has no peer's key (user id '{}')", node,
                   log_escape(user));
    return std::nullopt;
  }
  if (presented && id != user) {
    ++st.stats.impersonation;
    if (log_refusal(st, user, "impersonation"))
      spdlog::warn(
          "zmq_bridge '{}': refused a message from a connection that presents the id '{}' with the key of "
          "peer '{}'",
          node, log_escape(id), log_escape(user));
    return std::nullopt;
  }
  return user;
}

// One message off the ROUTER: frame 0 is the connection's routing id, the rest is the wire message.
void take_inbound(self_ptr self, std::vector<zmq::message_t>&& frames) {
  auto& st = self->state;
  const std::string& node = st.options.node_id;
  if (frames.size() < 1) return;
  const auto sender = sender_of(st, frames);
  if (!sender) return;
  const std::string& id = *sender;
  frames.erase(frames.begin());
  auto result = decode(std::move(frames), st.options.limits);
  if (!result) {
    st.stats.received.record(result);
    // The connection names the sender even when frame 0 could not.
    if (result.error.sender.empty()) result.error.sender = id;
    if (log_refusal(st, id, to_string(result.error.reason)))
      spdlog::warn("zmq_bridge '{}': from peer '{}': {}", node, log_escape(id), result.error.to_string());
    return;
  }
  if (result.message->from != id) {
    ++st.stats.sender_mismatch;
    if (log_refusal(st, id, "sender_mismatch"))
      spdlog::warn("zmq_bridge '{}': refused a '{}' message from peer '{}' that claims to be from '{}'", node,
                   log_escape(result.message->type), log_escape(id), log_escape(result.message->from));
    return;
  }
  st.stats.received.record(result);
  trace(st, trace_direction::in, node, *result.message);
  self->send(st.handler, inbound_message{std::move(*result.message), unix_ms(), result.bytes});
}

// Answers one ZAP request (RFC 27): admits a CURVE client whose public key is a peer's, under
// that peer's id.
void answer_zap(bridge_state& st) {
  std::vector<zmq::message_t> request;
  if (!zmq::recv_multipart(*st.zap, std::back_inserter(request), zmq::recv_flags::dontwait)) return;
  std::string peer;
  const bool curve = request.size() >= 7 && request[5].to_string() == "CURVE" && request[6].size() == 32;
  if (curve) {
    if (auto it = st.allowed_keys.find(request[6].to_string()); it != st.allowed_keys.end()) peer = it->second;
  }
  if (peer.empty()) {
    ++st.stats.curve_denied;
    std::string key = "none";
    if (curve) {
      char z85[41];
      zmq_z85_encode(z85, static_cast<const std::uint8_t*>(request[6].data()), 32);
      key = z85;
    }
    const std::string address = request.size() > 3 ? request[3].to_string() : "?";
    if (log_refusal(st, address, "curve_denied"))
      spdlog::warn("zmq_bridge '{}': refused a connection from {} with CURVE key {}: not a configured peer's",
                   st.options.node_id, log_escape(address), key);
  }
  std::vector<zmq::message_t> reply;
  reply.emplace_back(std::string("1.0"));
  // A REP socket must answer every request, even one that is not ZAP.
  if (request.size() >= 2)
    reply.push_back(std::move(request[1]));  // request id
  else
    reply.emplace_back();
  reply.emplace_back(std::string(peer.empty() ? "400" : "200"));
  reply.emplace_back(std::string(peer.empty() ? "key not allowed" : "OK"));
  reply.emplace_back(peer);  // user id
  reply.emplace_back();      // metadata
  zmq::send_multipart(*st.zap, reply);
}

// What a failed handshake's monitor value means.
std::string handshake_problem(std::uint16_t event, std::uint32_t value) {
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
    return "the peer refused this node's CURVE key (ZAP " + std::to_string(value) + ")";
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
    return "handshake failed: the two sides use different security mechanisms (CURVE against plaintext)";
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
    char code[16];
    std::snprintf(code, sizeof code, "0x%08x", value);
    return std::string("handshake failed: ZMTP protocol error ") + code +
           " (a CURVE key mismatch or not a ZeroMQ peer)";
  }
  return std::string("handshake failed: ") + std::strerror(static_cast<int>(value));
}

// Drains the DEALER monitors and logs what changed about each peer's link: connected, dropped, or
// still down after another report interval.
void watch_peers(bridge_state& st) {
  const auto now = bridge_clock::now();
  for (auto& [id, m] : st.monitors) {
    for (;;) {
      // A monitor event: 2 bytes of event and 4 of value, then the endpoint.
      std::vector<zmq::message_t> event;
      if (!zmq::recv_multipart(m.events, std::back_inserter(event), zmq::recv_flags::dontwait)) break;
      if (event.empty() || event[0].size() < 6) continue;
      std::uint16_t kind = 0;
      std::uint32_t value = 0;
      std::memcpy(&kind, event[0].data(), sizeof kind);
      std::memcpy(&value, static_cast<const char*>(event[0].data()) + sizeof kind, sizeof value);
      switch (kind) {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
          spdlog::info("zmq_bridge '{}': {}", st.options.node_id, m.watch.connected(now));
          break;
        case ZMQ_EVENT_DISCONNECTED:
          if (auto line = m.watch.disconnected(now)) spdlog::warn("zmq_bridge '{}': {}", st.options.node_id, *line);
          break;
        case ZMQ_EVENT_CONNECT_RETRIED:
          m.watch.retried();
          break;
        default:
          m.watch.handshake_failed(handshake_problem(kind, value));
      }
    }
    if (auto line = m.watch.check(now)) spdlog::warn("zmq_bridge '{}': {}", st.options.node_id, *line);
  }
}

// Drains the ROUTER's monitor: each failed handshake is counted, and logged within the limiter's
// bounds. The monitor names the listening endpoint, not the caller, which libzmq does not report.
void watch_router(bridge_state& st) {
  for (;;) {
    std::vector<zmq::message_t> event;
    if (!zmq::recv_multipart(*st.router_monitor, std::back_inserter(event), zmq::recv_flags::dontwait)) break;
    if (event.empty() || event[0].size() < 6) continue;
    std::uint16_t kind = 0;
    std::uint32_t value = 0;
    std::memcpy(&kind, event[0].data(), sizeof kind);
    std::memcpy(&value, static_cast<const char*>(event[0].data()) + sizeof kind, sizeof value);
    if ((kind & router_events) == 0) continue;
    ++st.stats.handshake_failed;
    if (log_refusal(st, "(before authentication)", "handshake_failed"))
      spdlog::warn("zmq_bridge '{}': refused a connection on {}: {}{}", st.options.node_id, st.options.listen,
                   handshake_problem(kind, value),
                   st.zap ? "; this node speaks only CURVE (plaintext is refused)" : "; this node speaks plaintext");
  }
}

void poll_once(self_ptr self) {
  auto& st = self->state;
  auto& router = *st.router;
  // Messages waiting in the mailbox must not wait for the poll.
  const long timeout = self->mailbox().empty() ? poll_ms : 0;
  zmq::pollitem_t items[2] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                              {st.zap ? st.zap->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, st.zap ? 2 : 1, std::chrono::milliseconds(timeout));
  if (items[1].revents & ZMQ_POLLIN) answer_zap(st);
  if (items[0].revents & ZMQ_POLLIN) {
    for (int i = 0; i < max_receives_per_poll; ++i) {
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait)) break;
      take_inbound(self, std::move(frames));
    }
  }
  watch_router(st);
  report_refusals(st);
  watch_peers(st);
}

void send_outbound(self_ptr self, outbound_message& out) {
  auto& st = self->state;
  const std::string& node = st.options.node_id;
  auto& m = out.message;
  m.from = node;
  std::vector<zmq::socket_t*> targets;
  if (out.to == broadcast_peer) {
    for (auto& [id, dealer] : st.dealers) targets.push_back(&dealer);
  } else if (auto it = st.dealers.find(out.to); it != st.dealers.end()) {
    targets.push_back(&it->second);
  } else {
    ++st.stats.send_failures;
    spdlog::error("zmq_bridge '{}': cannot send a '{}' message to '{}': not a configured peer", node, m.type,
                  log_escape(out.to));
    return;
  }
  std::vector<zmq::message_t> frames;
  try {
    frames = encode(m);
  } catch (const std::exception& e) {
    ++st.stats.send_failures;
    spdlog::error("zmq_bridge '{}': cannot encode a '{}' message for '{}': {}", node, log_escape(m.type),
                  log_escape(out.to), e.what());
    return;
  }
  trace(st, trace_direction::out, out.to, m);
  std::uint64_t bytes = 0;
  for (const auto& f : frames) bytes += f.size();
  for (std::size_t t = 0; t < targets.size(); ++t) {
    std::vector<zmq::message_t> parts;
    if (t + 1 == targets.size()) {
      parts = std::move(frames);
    } else {
      // A copy shares the frame's reference-counted data: a broadcast encodes and copies nothing.
      parts.resize(frames.size());
      for (std::size_t i = 0; i < frames.size(); ++i) parts[i].copy(frames[i]);
    }
    bool sent = false;
    try {
      sent = zmq::send_multipart(*targets[t], parts, zmq::send_flags::dontwait).has_value();
    } catch (const zmq::error_t& e) {
      spdlog::error("zmq_bridge '{}': sending a '{}' message failed: {}", node, m.type, e.what());
    }
    if (sent) {
      ++st.stats.sent_messages;
      st.stats.sent_bytes += bytes;
    } else {
      ++st.stats.send_failures;
      spdlog::error("zmq_bridge '{}': a '{}' message was not queued for sending", node, m.type);
    }
  }
}

caf::behavior zmq_bridge(self_ptr self, bridge_options options, caf::actor handler) {
  auto& st = self->state;
  st.options = std::move(options);
  st.handler = std::move(handler);
  if (auto err = open(st)) {
    self->quit(std::move(err));
    return {};
  }
  self->monitor(st.handler);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (msg.source == self->state.handler.address()) self->quit(msg.reason);
  });
  // Any exit message stops the bridge, a normal one included.
  self->set_exit_handler([self](caf::exit_msg& msg) { self->quit(msg.reason); });
  // Said at start, so a node waiting on its peers is never silent about whom it waits for.
  std::string peers;
  for (const auto& p : st.options.peers)
    peers += (peers.empty() ? "" : ", ") + log_escape(p.id) + " at " + log_escape(p.endpoint);
  spdlog::info("zmq_bridge '{}': listening on {}; connecting to {}", st.options.node_id, st.options.listen,
               peers.empty() ? "no peers" : peers);
  self->send(self, bridge_poll_atom::value);
  return {
      [self](bridge_poll_atom) {
        try {
          poll_once(self);
        } catch (const std::exception& e) {
          spdlog::error("zmq_bridge '{}': receiving failed: {}", self->state.options.node_id, e.what());
        }
        self->send(self, bridge_poll_atom::value);
      },
      [self](outbound_message& out) {
        try {
          send_outbound(self, out);
        } catch (const std::exception& e) {
          ++self->state.stats.send_failures;
          spdlog::error("zmq_bridge '{}': sending failed: {}", self->state.options.node_id, e.what());
        }
      },
      [self](bridge_stats_atom) { return self->state.stats; },
  };
}

}  // namespace

caf::actor spawn_zmq_bridge(caf::actor_system& system, bridge_options options, caf::actor inbound_handler) {
  return system.spawn<caf::detached>(zmq_bridge, std::move(options), std::move(inbound_handler));
}

}  // namespace atn
