#include "runtime/ingest/event_bus_subscriber.hpp"

#include "data/atn_records.hpp"
#include "data/input_report.hpp"
#include "data/line_reader.hpp"
#include "data/record_json.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <cstring>
#include <iterator>
#include <stdexcept>

namespace atn {

struct event_bus_subscriber::socket {
  zmq::context_t context{1};
  zmq::socket_t sub{context, zmq::socket_type::sub};
};

event_bus_subscriber::event_bus_subscriber(event_bus_options options, input_report& report)
    : options_(std::move(options)), report_(report), name_("event bus " + options_.endpoint) {
  socket_ = std::make_unique<socket>();
  try {
    socket_->sub.set(zmq::sockopt::linger, 0);
    socket_->sub.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options_.max_message_bytes));
    socket_->sub.set(zmq::sockopt::subscribe, "");
    socket_->sub.connect(options_.endpoint);
  } catch (const zmq::error_t& e) {
    throw std::invalid_argument(name_ + ": cannot connect: " + e.what());
  }
}

event_bus_subscriber::~event_bus_subscriber() = default;

bool event_bus_subscriber::fresh(const std::string& event_id) {
  if (event_id.empty()) return true;
  if (!recent_.insert(event_id).second) return false;
  recent_order_.push_back(event_id);
  while (recent_order_.size() > std::max<std::size_t>(options_.dedup_window, 1)) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
  return true;
}

void event_bus_subscriber::take(std::string_view message, std::vector<bus_event>& out) {
  const std::uint64_t seq = ++counters_.messages;
  auto bad = [&](std::string_view kind, const std::string& what) {
    ++counters_.malformed;
    report_.problem(kind, name_, seq, what);
  };
  if (std::memchr(message.data(), '\0', message.size()) != nullptr)
    return bad("binary_message", "contains NUL bytes, not a JSON event; dropped");
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  if (is_valid_utf8(message)) {
    padded.assign(message.data(), message.size());
  } else {
    report_.problem("invalid_utf8", name_, seq, "invalid UTF-8 replaced by U+FFFD");
    padded = repair_utf8(message);
  }
  const std::size_t len = padded.size();
  padded.reserve(len + simdjson::SIMDJSON_PADDING);
  simdjson::dom::element doc;
  simdjson::dom::object obj;
  if (auto error = parser.parse(padded.data(), len, false).get(doc))
    return bad("corrupt_json", std::string("not valid JSON: ") + simdjson::error_message(error) + "; dropped");
  if (doc.get_object().get(obj)) return bad("bad_event", "not a JSON object; dropped");
  bus_event ev;
  std::string_view text;
  if (obj.at_key("type").get_string().get(text)) return bad("bad_event", "missing or non-string 'type'; dropped");
  ev.type = std::string(text);
  if (ev.type != "execution.completed" && ev.type != "execution.failed" && ev.type != "step.completed") {
    ++counters_.ignored;
    spdlog::debug("{} message {}: type '{}' ignored", name_, seq, ev.type);
    return;
  }
  simdjson::dom::object data;
  if (obj.at_key("data").get_object().get(data))
    return bad("bad_event", "'" + ev.type + "' without a 'data' object; dropped");
  ev.data = simdjson::minify(data);
  if (!obj.at_key("source").get_string().get(text)) ev.source = std::string(text);
  if (!obj.at_key("event_id").get_string().get(text)) ev.event_id = std::string(text);
  simdjson::dom::element stamp;
  if (!obj.at_key("timestamp").get(stamp) && !stamp.is_null()) {
    if (const auto ms = record_json::timestamp_ms(stamp)) {
      ev.timestamp_ms = *ms;
    } else {
      report_.problem("bad_timestamp", name_, seq, "unparseable 'timestamp'; event kept without it");
    }
  }
  if (!fresh(ev.event_id)) {
    ++counters_.duplicates;
    return;
  }
  ev.sequence = seq;
  ++counters_.events;
  out.push_back(std::move(ev));
}

std::vector<bus_event> event_bus_subscriber::poll(std::chrono::milliseconds timeout) {
  std::vector<bus_event> out;
  zmq::pollitem_t item{socket_->sub.handle(), 0, ZMQ_POLLIN, 0};
  try {
    zmq::poll(&item, 1, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) spdlog::warn("{}: poll failed: {}", name_, e.what());
    return out;
  }
  for (std::size_t i = 0; i < options_.max_events_per_poll; ++i) {
    std::vector<zmq::message_t> parts;
    try {
      if (!zmq::recv_multipart(socket_->sub, std::back_inserter(parts), zmq::recv_flags::dontwait)) break;
    } catch (const zmq::error_t& e) {
      spdlog::warn("{}: receive failed: {}", name_, e.what());
      break;
    }
    if (parts.empty()) continue;
    const zmq::message_t& last = parts.back();  // earlier frames are topics
    take(std::string_view(static_cast<const char*>(last.data()), last.size()), out);
  }
  return out;
}

}  // namespace atn
