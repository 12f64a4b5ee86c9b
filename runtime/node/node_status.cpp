#include "runtime/node/node_status.hpp"

#include "runtime/util/file_util.hpp"

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <type_traits>

#include <signal.h>

namespace fs = std::filesystem;

namespace atn {

namespace {

constexpr std::int64_t status_version = 1;

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void bad(const fs::path& file, const std::string& field, const std::string& what) {
  throw std::runtime_error("status file " + file.string() + ": " + field + ": " + what);
}

// Reads the optional `field` of `obj` into `out`; absent fields keep their default.
template <typename T>
void field(simdjson::dom::object obj, const char* name, T& out, const fs::path& file, const std::string& prefix = "") {
  simdjson::dom::element e;
  if (obj[name].get(e)) return;
  T v{};
  bool err = false;
  if constexpr (std::is_same_v<T, bool>) {
    err = e.get_bool().get(v) != simdjson::SUCCESS;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    err = e.get_int64().get(v) != simdjson::SUCCESS;
  } else if constexpr (std::is_same_v<T, std::uint64_t>) {
    err = e.get_uint64().get(v) != simdjson::SUCCESS;
  } else {
    std::string_view s;
    err = e.get_string().get(s) != simdjson::SUCCESS;
    if (!err) v = std::string(s);
  }
  if (err) bad(file, prefix + name, "wrong type");
  out = std::move(v);
}

std::optional<simdjson::dom::object> object_field(simdjson::dom::object obj, const char* name, const fs::path& file) {
  simdjson::dom::object o;
  simdjson::dom::element e;
  if (obj[name].get(e)) return std::nullopt;
  if (e.get_object().get(o)) bad(file, name, "expected an object");
  return o;
}

std::string human_bytes(std::uint64_t b) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string local_time(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string age(std::int64_t ms) {
  if (ms < 0) ms = 0;
  const std::int64_t s = ms / 1000;
  if (s < 120) return std::to_string(s) + " s ago";
  if (s < 7200) return std::to_string(s / 60) + " min ago";
  if (s < 2 * 86400) return std::to_string(s / 3600) + " h ago";
  return std::to_string(s / 86400) + " days ago";
}

}  // namespace

std::string render_bridge_counters(const std::map<std::string, std::uint64_t>& c) {
  const auto at = [&](const char* name) {
    const auto it = c.find(name);
    return it == c.end() ? std::uint64_t{0} : it->second;
  };
  // Refusals: the codec's reasons and the bridge's own, each named with its count.
  std::uint64_t refused = 0;
  std::string reasons;
  for (const auto& [name, n] : c) {
    const bool codec = name.rfind("rejected_", 0) == 0;
    if (!codec && name != "unknown_sender" && name != "sender_mismatch" && name != "curve_denied" &&
        name != "impersonation" && name != "handshake_failed")
      continue;
    if (n == 0) continue;
    refused += n;
    reasons += (reasons.empty() ? "" : ", ") + (codec ? name.substr(9) : name) + " " + std::to_string(n);
  }
  std::ostringstream out;
  out << "bridge:   " << at("accepted") << " messages accepted (" << human_bytes(at("accepted_bytes")) << "), "
      << refused << " refused" << (reasons.empty() ? "" : " (" + reasons + ")") << "; " << at("sent_messages")
      << " sent (" << human_bytes(at("sent_bytes")) << ")";
  if (at("send_failures") > 0) out << ", " << at("send_failures") << " not sent";
  if (at("trace_failures") > 0) out << ", " << at("trace_failures") << " not traced";
  return out.str();
}

std::string render_economy(const economy_status& e) {
  if (!e.enabled)
    return "economy:  OFF — the node runs without the ledger; its training is not attested and earns nothing\n";
  std::ostringstream out;
  out << "economy:  wallet " << e.address << " on the ledger " << e.ledger << ": balance "
      << (e.balance.empty() ? "unknown" : e.balance) << ", stake "
      << (e.stake.empty() ? "none" : e.stake + (e.stake_active ? " (active)" : " (inactive)")) << ", "
      << e.attested_units << " training steps attested this epoch\n";
  out << "          outbox: " << e.pending << " pending; since the node started " << e.applied << " applied, "
      << e.refused << " refused\n";
  if (!e.last_error.empty()) out << "          last error: " << e.last_error << "\n";
  return out.str();
}

fs::path node_status_path(const fs::path& state_dir) { return state_dir / "status.json"; }

void write_node_status(const fs::path& state_dir, const node_status& s) {
  auto sources = nlohmann::ordered_json::array();
  for (const source_status& src : s.sources)
    sources.push_back(
        {{"name", src.name}, {"location", src.location}, {"enabled", src.enabled}, {"counters", src.counters}});
  const nlohmann::ordered_json j = {
      {"version", status_version},
      {"pid", s.pid},
      {"started_ms", s.started_ms},
      {"updated_ms", s.updated_ms},
      {"activity", s.activity},
      {"consent", {{"train_on_agent_data", s.train_on_agent_data}, {"train_on_capture", s.train_on_capture}}},
      {"sources", std::move(sources)},
      {"feed",
       {{"buffered_records", s.buffered_records},
        {"buffered_bytes", s.buffered_bytes},
        {"write_error", s.feed_write_error},
        {"write_failing_since_ms", s.feed_write_failing_since_ms},
        {"failed_batches", s.feed_failed_batches}}},
  };
  nlohmann::ordered_json out = j;
  if (!s.bridge.empty()) out["bridge"] = s.bridge;
  if (const auto& e = s.economy)
    out["economy"] = {{"enabled", e->enabled},
                      {"ledger", e->ledger},
                      {"address", e->address},
                      {"balance", e->balance},
                      {"stake", e->stake},
                      {"stake_active", e->stake_active},
                      {"attested_units", e->attested_units},
                      {"outbox", {{"pending", e->pending}, {"applied", e->applied}, {"refused", e->refused}}},
                      {"last_error", e->last_error},
                      {"ledger_us", e->ledger_us}};
  fs::create_directories(state_dir);
  write_file_atomic(node_status_path(state_dir), out.dump() + "\n");
}

std::optional<node_status> read_node_status(const fs::path& state_dir) {
  const fs::path file = node_status_path(state_dir);
  std::optional<std::string> text;
  try {
    text = read_file(file);
  } catch (const std::system_error& e) {
    throw std::runtime_error("status file " + file.string() + ": " + e.what());
  }
  if (!text) return std::nullopt;

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(simdjson::padded_string(*text)).get(doc))
    bad(file, "(document)", std::string("not JSON: ") + simdjson::error_message(err));
  simdjson::dom::object root;
  if (doc.get_object().get(root)) bad(file, "(document)", "expected an object");
  std::int64_t version = 0;
  field(root, "version", version, file);
  if (version != status_version) bad(file, "version", "unsupported " + std::to_string(version));

  node_status s;
  simdjson::dom::element pid;
  if (root["pid"].get(pid)) bad(file, "pid", "missing");
  field(root, "pid", s.pid, file);
  field(root, "started_ms", s.started_ms, file);
  field(root, "updated_ms", s.updated_ms, file);
  field(root, "activity", s.activity, file);
  if (auto consent = object_field(root, "consent", file)) {
    field(*consent, "train_on_agent_data", s.train_on_agent_data, file, "consent.");
    field(*consent, "train_on_capture", s.train_on_capture, file, "consent.");
  }
  simdjson::dom::element sources;
  if (!root["sources"].get(sources)) {
    simdjson::dom::array arr;
    if (sources.get_array().get(arr)) bad(file, "sources", "expected an array");
    for (simdjson::dom::element item : arr) {
      const std::string at = "sources[" + std::to_string(s.sources.size()) + "].";
      simdjson::dom::object o;
      if (item.get_object().get(o)) bad(file, at, "expected an object");
      source_status src;
      field(o, "name", src.name, file, at);
      field(o, "location", src.location, file, at);
      field(o, "enabled", src.enabled, file, at);
      simdjson::dom::element counters;
      if (!o["counters"].get(counters)) {
        simdjson::dom::object c;
        if (counters.get_object().get(c)) bad(file, at + "counters", "expected an object");
        for (auto kv : c) {
          std::uint64_t v = 0;
          if (kv.value.get_uint64().get(v)) bad(file, at + "counters." + std::string(kv.key), "expected a count");
          src.counters[std::string(kv.key)] = v;
        }
      }
      s.sources.push_back(std::move(src));
    }
  }
  if (auto feed = object_field(root, "feed", file)) {
    field(*feed, "buffered_records", s.buffered_records, file, "feed.");
    field(*feed, "buffered_bytes", s.buffered_bytes, file, "feed.");
    field(*feed, "write_error", s.feed_write_error, file, "feed.");
    field(*feed, "write_failing_since_ms", s.feed_write_failing_since_ms, file, "feed.");
    field(*feed, "failed_batches", s.feed_failed_batches, file, "feed.");
  }
  if (auto economy = object_field(root, "economy", file)) {
    economy_status& e = s.economy.emplace();
    field(*economy, "enabled", e.enabled, file, "economy.");
    field(*economy, "ledger", e.ledger, file, "economy.");
    field(*economy, "address", e.address, file, "economy.");
    field(*economy, "balance", e.balance, file, "economy.");
    field(*economy, "stake", e.stake, file, "economy.");
    field(*economy, "stake_active", e.stake_active, file, "economy.");
    field(*economy, "attested_units", e.attested_units, file, "economy.");
    field(*economy, "last_error", e.last_error, file, "economy.");
    field(*economy, "ledger_us", e.ledger_us, file, "economy.");
    if (auto outbox = object_field(*economy, "outbox", file)) {
      field(*outbox, "pending", e.pending, file, "economy.outbox.");
      field(*outbox, "applied", e.applied, file, "economy.outbox.");
      field(*outbox, "refused", e.refused, file, "economy.outbox.");
    }
  }
  if (auto bridge = object_field(root, "bridge", file)) {
    for (auto kv : *bridge) {
      std::uint64_t v = 0;
      if (kv.value.get_uint64().get(v)) bad(file, "bridge." + std::string(kv.key), "expected a count");
      s.bridge[std::string(kv.key)] = v;
    }
  }
  return s;
}

bool process_alive(std::int64_t pid) {
  if (pid <= 0 || pid != static_cast<pid_t>(pid)) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::pair<std::uint64_t, std::uint64_t> feed_disk_usage(const fs::path& state_dir) {
  std::uint64_t segments = 0, bytes = 0;
  std::error_code ec;
  const fs::path feed = state_dir / "feed";
  if (!fs::is_directory(feed, ec)) return {0, 0};
  for (fs::recursive_directory_iterator it(feed, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("seg-", 0) != 0 || name.size() < 8 || name.substr(name.size() - 4) != ".log") continue;
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    const std::uintmax_t size = it->file_size(fec);
    if (fec) continue;  // removed by the node while we looked
    ++segments;
    bytes += size;
  }
  return {segments, bytes};
}

status_report gather_status(const node_config& config) {
  status_report r;
  r.now_ms = now_unix_ms();
  std::error_code ec;
  r.config_exists = fs::exists(config.paths.config_file, ec);
  try {
    r.node = read_node_status(config.paths.state_dir);
  } catch (const std::runtime_error& e) {
    r.node_problem = e.what();
  }
  if (r.node) r.node_alive = process_alive(r.node->pid);
  std::tie(r.feed_segments, r.feed_disk_bytes) = feed_disk_usage(config.paths.state_dir);
  return r;
}

std::string render_status(const node_config& c, const status_report& r) {
  std::ostringstream out;
  out << "config:   " << c.paths.config_file.string() << (r.config_exists ? "" : " (not written yet: defaults in use)")
      << "\n";
  out << "state:    " << c.paths.state_dir.string() << "\n";
  out << describe_consent(c);
  out << "privacy:  PII scrubbing " << (c.privacy.scrub_pii ? "on" : "OFF") << ", "
      << c.privacy.exclusion_patterns.size() << " exclusion pattern"
      << (c.privacy.exclusion_patterns.size() == 1 ? "" : "s") << "\n";

  if (!r.node_problem.empty()) {
    out << "node:     unknown — " << r.node_problem << "\n";
  } else if (!r.node) {
    out << "node:     not running (no status file in " << c.paths.state_dir.string() << ")\n";
  } else {
    const node_status& n = *r.node;
    if (r.node_alive)
      out << "node:     running, pid " << n.pid << ", since " << local_time(n.started_ms) << ", status updated "
          << age(r.now_ms - n.updated_ms);
    else
      out << "node:     not running (pid " << n.pid << " has exited; last status " << local_time(n.updated_ms) << ", "
          << age(r.now_ms - n.updated_ms) << ")";
    out << (n.activity.empty() || !r.node_alive ? "" : ", " + n.activity) << "\n";
    if (r.node_alive && n.train_on_agent_data != c.consent.train_on_agent_data)
      out << "          the node still has agent data " << (n.train_on_agent_data ? "ON" : "OFF")
          << "; it applies the config file's setting once it sees the change\n";
    if (r.node_alive && n.train_on_capture != c.consent.train_on_capture)
      out << "          the node still has capture " << (n.train_on_capture ? "ON" : "OFF")
          << "; it applies the config file's setting once it sees the change\n";
    for (const source_status& s : n.sources) {
      out << "  " << s.name << (s.location.empty() ? "" : " (" + s.location + ")") << ": ";
      if (!s.enabled) {
        out << "not read (consent off)";
      } else if (s.counters.empty()) {
        out << "nothing read yet";
      } else {
        bool first = true;
        for (const auto& [k, v] : s.counters) {
          out << (first ? "" : ", ") << k << " " << v;
          first = false;
        }
      }
      out << "\n";
    }
  }

  out << "feed:     " << human_bytes(r.feed_disk_bytes) << " buffered on disk in " << r.feed_segments << " segment file"
      << (r.feed_segments == 1 ? "" : "s") << " under " << (c.paths.state_dir / "feed").string();
  if (r.node && r.node_problem.empty())
    out << "; the node " << (r.node_alive ? "reports" : "last reported") << " " << r.node->buffered_records
        << " records (" << human_bytes(r.node->buffered_bytes) << ") buffered";
  out << "\n";
  if (r.node && r.node_problem.empty()) {
    const node_status& n = *r.node;
    if (!n.feed_write_error.empty())
      out << "          WRITES FAILING since " << local_time(n.feed_write_failing_since_ms) << " ("
          << age(r.now_ms - n.feed_write_failing_since_ms) << "): " << n.feed_write_error << "; "
          << n.feed_failed_batches << " batch" << (n.feed_failed_batches == 1 ? "" : "es")
          << " refused so far; the readers hold the records and retry\n";
    if (!n.bridge.empty()) out << render_bridge_counters(n.bridge) << "\n";
    if (n.economy) out << render_economy(*n.economy);
  }
  return out.str();
}

}  // namespace atn
