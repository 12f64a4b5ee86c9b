#include "runtime/config/node_config.hpp"

#include "model/model_config.hpp"
#include "runtime/config/config_text.hpp"
#include "runtime/util/file_util.hpp"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include <pwd.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace atn {

namespace {

fs::path home_dir() {
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') return h;
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) return pw->pw_dir;
  throw std::runtime_error("cannot find the home directory: HOME is unset");
}

// An XDG base directory: the variable when set to an absolute path, else ~/<fallback>.
fs::path xdg_dir(const char* var, const char* fallback) {
  if (const char* v = std::getenv(var); v != nullptr && *v != '\0' && fs::path(v).is_absolute()) return v;
  return home_dir() / fallback;
}

std::string variable_value(const std::string& name) {
  if (name == "HOME") return home_dir().string();
  if (name == "XDG_DATA_HOME") return xdg_dir("XDG_DATA_HOME", ".local/share").string();
  if (name == "XDG_CONFIG_HOME") return xdg_dir("XDG_CONFIG_HOME", ".config").string();
  if (name == "XDG_STATE_HOME") return xdg_dir("XDG_STATE_HOME", ".local/state").string();
  if (name == "XDG_CACHE_HOME") return xdg_dir("XDG_CACHE_HOME", ".cache").string();
  if (const char* v = std::getenv(name.c_str()); v != nullptr) return v;
  throw std::runtime_error("environment variable $" + name + " is not set");
}

// --- reading values -------------------------------------------------------------------------

struct reader {
  const fs::path& file;

  [[noreturn]] void fail(const YAML::Node& n, const std::string& key, const std::string& what) const {
    std::ostringstream msg;
    msg << "config " << file.string();
    if (n.Mark().line >= 0) msg << ":" << n.Mark().line + 1;
    msg << ": " << key;
    if (n.IsScalar())
      msg << " = \"" << n.Scalar() << "\"";
    else if (n.IsSequence())
      msg << " = a list";
    else if (n.IsMap())
      msg << " = a map";
    msg << ": " << what;
    throw std::runtime_error(msg.str());
  }

  void scalar(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(n, key, "expected a single value");
  }

  bool boolean(const YAML::Node& n, const std::string& key) const {
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) fail(n, key, "expected true or false");
    return v;
  }

  std::string string(const YAML::Node& n, const std::string& key) const {
    if (n.IsNull()) return {};
    scalar(n, key);
    return n.Scalar();
  }

  double number(const YAML::Node& n, const std::string& key, double min, bool min_open) const {
    scalar(n, key);
    double v = 0;
    if (!YAML::convert<double>::decode(n, v) || !std::isfinite(v)) fail(n, key, "expected a number");
    if (v < min || (min_open && v == min)) {
      std::ostringstream m;
      m << "must be " << (min_open ? "> " : ">= ") << min;
      fail(n, key, m.str());
    }
    return v;
  }

  std::int64_t integer(const YAML::Node& n, const std::string& key, std::int64_t min,
                       std::int64_t max = std::numeric_limits<std::int64_t>::max()) const {
    scalar(n, key);
    const std::string& s = n.Scalar();
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(s, &used, 10);
    } catch (const std::exception&) {
      fail(n, key, "expected a whole number");
    }
    if (used != s.size()) fail(n, key, "expected a whole number");
    if (v < min || v > max) fail(n, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
  }

  std::uint64_t unsigned_integer(const YAML::Node& n, const std::string& key) const {
    scalar(n, key);
    const std::string& s = n.Scalar();
    std::size_t used = 0;
    unsigned long long v = 0;
    if (s.empty() || s[0] == '-') fail(n, key, "expected a whole number >= 0");
    try {
      v = std::stoull(s, &used, 10);
    } catch (const std::exception&) {
      fail(n, key, "expected a whole number >= 0");
    }
    if (used != s.size()) fail(n, key, "expected a whole number >= 0");
    return v;
  }

  // Bytes: a whole number, optionally followed by B, KiB, MiB, GiB, TiB, KB, MB, GB or TB.
  std::uint64_t bytes(const YAML::Node& n, const std::string& key) const {
    scalar(n, key);
    const std::string& s = n.Scalar();
    std::size_t i = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] == ' ') ++j;
    static const std::map<std::string, std::uint64_t> units = {{"", 1},
                                                               {"B", 1},
                                                               {"KiB", 1ull << 10},
                                                               {"MiB", 1ull << 20},
                                                               {"GiB", 1ull << 30},
                                                               {"TiB", 1ull << 40},
                                                               {"KB", 1000ull},
                                                               {"MB", 1000000ull},
                                                               {"GB", 1000000000ull},
                                                               {"TB", 1000000000000ull}};
    auto unit = units.find(s.substr(j));
    if (i == 0 || i > 19 || unit == units.end()) fail(n, key, "expected a size in bytes, e.g. 1073741824 or 1GiB");
    const std::uint64_t v = std::stoull(s.substr(0, i));
    if (v > std::numeric_limits<std::uint64_t>::max() / unit->second) fail(n, key, "too large");
    return v * unit->second;
  }

  std::vector<std::string> strings(const YAML::Node& n, const std::string& key) const {
    std::vector<std::string> out;
    if (n.IsNull()) return out;
    if (!n.IsSequence()) fail(n, key, "expected a list, e.g. [\"a\", \"b\"]");
    for (const auto& item : n) {
      scalar(item, key + "[]");
      if (item.Scalar().empty()) fail(item, key + "[]", "an empty pattern would match everything");
      out.push_back(item.Scalar());
    }
    return out;
  }

  fs::path path(const YAML::Node& n, const std::string& key, const fs::path& fallback) const {
    std::string s = string(n, key);
    if (s.empty()) return fallback;
    try {
      return expand_path(s, file.parent_path());
    } catch (const std::runtime_error& e) {
      fail(n, key, e.what());
    }
  }

  // Calls the handler of each key of the map `n`; unknown keys are errors (typos must not
  // silently leave a switch at its default).
  void section(
      const YAML::Node& n, const std::string& name,
      const std::map<std::string, std::function<void(const YAML::Node&, const std::string&)>>& handlers) const {
    if (n.IsNull()) return;
    if (!n.IsMap()) fail(n, name, "expected a section of `key: value` lines");
    for (const auto& kv : n) {
      const std::string k = kv.first.Scalar();
      auto h = handlers.find(k);
      if (h == handlers.end()) {
        std::string known;
        for (const auto& [hk, unused] : handlers) known += (known.empty() ? "" : ", ") + hk;
        fail(kv.first, name + "." + k, "unknown key (known: " + known + ")");
      }
      h->second(kv.second, name + "." + k);
    }
  }
};

using handler_map = std::map<std::string, std::function<void(const YAML::Node&, const std::string&)>>;

void read_blur_regions(const reader& r, const YAML::Node& n, const std::string& key, std::vector<blur_region>& out) {
  out.clear();
  if (n.IsNull()) return;
  if (!n.IsSequence()) r.fail(n, key, "expected a list of {x, y, w, h}");
  for (const auto& item : n) {
    blur_region b;
    const int max = std::numeric_limits<int>::max();
    r.section(item, key + "[]",
              {{"x", [&](auto& v, auto& k) { b.x = int(r.integer(v, k, 0, max)); }},
               {"y", [&](auto& v, auto& k) { b.y = int(r.integer(v, k, 0, max)); }},
               {"w", [&](auto& v, auto& k) { b.w = int(r.integer(v, k, 1, max)); }},
               {"h", [&](auto& v, auto& k) { b.h = int(r.integer(v, k, 1, max)); }}});
    if (b.w == 0 || b.h == 0) r.fail(item, key + "[]", "needs w and h");
    out.push_back(b);
  }
}

std::string with_config_flag(const node_config& c) {
  if (c.paths.config_file.empty() || c.paths.config_file == default_config_path()) return {};
  return " --config " + c.paths.config_file.string();
}

}  // namespace

fs::path default_config_path() { return xdg_dir("XDG_CONFIG_HOME", ".config") / "atn-node" / "config.yaml"; }

fs::path default_state_dir() { return xdg_dir("XDG_DATA_HOME", ".local/share") / "atn-node"; }

node_config default_node_config() {
  node_config c;
  c.paths.config_file = default_config_path();
  c.paths.state_dir = default_state_dir();
  c.paths.atn_dir = home_dir() / ".atn";
  c.paths.capture_dir = home_dir() / ".atn" / "captures";
  return c;
}

fs::path expand_path(const std::string& text, const fs::path& base) {
  std::string out;
  std::size_t i = 0;
  if (!text.empty() && text[0] == '~') {
    if (text.size() > 1 && text[1] != '/') throw std::runtime_error("only ~ and ~/... are supported, not ~user");
    out = home_dir().string();
    i = 1;
  }
  while (i < text.size()) {
    if (text[i] != '$') {
      out += text[i++];
      continue;
    }
    const bool braced = i + 1 < text.size() && text[i + 1] == '{';
    std::size_t start = i + (braced ? 2 : 1);
    std::size_t end = start;
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
    if (end == start || (braced && (end >= text.size() || text[end] != '}')))
      throw std::runtime_error("bad variable reference at \"" + text.substr(i) + "\"");
    out += variable_value(text.substr(start, end - start));
    i = end + (braced ? 1 : 0);
  }
  fs::path p(out);
  if (p.is_relative()) p = base / p;
  return p.lexically_normal();
}

node_config parse_node_config(const std::string& text, const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    const std::string where =
        e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    throw std::runtime_error("config " + file.string() + where + ": not valid YAML: " + e.msg);
  }
  node_config c = default_node_config();
  c.paths.config_file = file;
  const reader r{file};
  if (root.IsNull()) return c;
  if (!root.IsMap()) r.fail(root, "(top level)", "expected sections such as `consent:`");

  const handler_map sections = {
      {"paths",
       [&](auto& n, auto& name) {
         r.section(
             n, name,
             {{"state_dir", [&](auto& v, auto& k) { c.paths.state_dir = r.path(v, k, c.paths.state_dir); }},
              {"atn_dir", [&](auto& v, auto& k) { c.paths.atn_dir = r.path(v, k, c.paths.atn_dir); }},
              {"capture_dir", [&](auto& v, auto& k) { c.paths.capture_dir = r.path(v, k, c.paths.capture_dir); }}});
       }},
      {"consent",
       [&](auto& n, auto& name) {
         r.section(n, name,
                   {{"train_on_agent_data", [&](auto& v, auto& k) { c.consent.train_on_agent_data = r.boolean(v, k); }},
                    {"train_on_capture", [&](auto& v, auto& k) { c.consent.train_on_capture = r.boolean(v, k); }}});
       }},
      {"privacy",
       [&](auto& n, auto& name) {
         r.section(n, name,
                   {{"exclude", [&](auto& v, auto& k) { c.privacy.exclusion_patterns = r.strings(v, k); }},
                    {"scrub_pii", [&](auto& v, auto& k) { c.privacy.scrub_pii = r.boolean(v, k); }}});
       }},
      {"event_bus",
       [&](auto& n, auto& name) {
         r.section(n, name, {{"endpoint", [&](auto& v, auto& k) { c.event_bus.endpoint = r.string(v, k); }}});
       }},
      {"capture",
       [&](auto& n, auto& name) {
         auto& cap = c.capture;
         r.section(n, name,
                   {{"frame_stream", [&](auto& v, auto& k) { cap.frame_stream = r.string(v, k); }},
                    {"exclude_window_titles", [&](auto& v, auto& k) { cap.exclude_window_titles = r.strings(v, k); }},
                    {"exclude_urls", [&](auto& v, auto& k) { cap.exclude_urls = r.strings(v, k); }},
                    {"exclude_sources", [&](auto& v, auto& k) { cap.exclude_sources = r.strings(v, k); }},
                    {"blur_regions", [&](auto& v, auto& k) { read_blur_regions(r, v, k, cap.blur_regions); }},
                    {"fps_cap", [&](auto& v, auto& k) { cap.fps_cap = r.number(v, k, 0, true); }},
                    {"image_size", [&](auto& v, auto& k) { cap.image_size = int(r.integer(v, k, 0, 4096)); }}});
       }},
      {"feed",
       [&](auto& n, auto& name) {
         auto& f = c.feed;
         r.section(n, name,
                   {{"max_bytes", [&](auto& v, auto& k) { f.max_bytes = r.bytes(v, k); }},
                    {"max_age_hours", [&](auto& v, auto& k) { f.max_age_hours = r.number(v, k, 0, false); }},
                    {"fsync",
                     [&](auto& v, auto& k) {
                       const std::string s = r.string(v, k);
                       if (s == "every_flush")
                         f.fsync = feed_fsync::every_flush;
                       else if (s == "periodic")
                         f.fsync = feed_fsync::periodic;
                       else if (s == "never")
                         f.fsync = feed_fsync::never;
                       else
                         r.fail(v, k, "expected every_flush, periodic or never");
                     }},
                    {"cycle_min_interactions",
                     [&](auto& v, auto& k) { f.cycle_min_interactions = r.unsigned_integer(v, k); }},
                    {"cycle_min_interval_seconds",
                     [&](auto& v, auto& k) { f.cycle_min_interval_seconds = r.number(v, k, 0, false); }}});
       }},
      {"align",
       [&](auto& n, auto& name) {
         auto& a = c.align;
         r.section(n, name,
                   {{"window_ms", [&](auto& v, auto& k) { a.window_ms = r.integer(v, k, 0); }},
                    {"mix", [&](auto& m, auto& mk) {
                       r.section(
                           m, mk,
                           {{"text", [&](auto& v, auto& k) { a.mix_text = r.number(v, k, 0, false); }},
                            {"visual", [&](auto& v, auto& k) { a.mix_visual = r.number(v, k, 0, false); }},
                            {"multimodal", [&](auto& v, auto& k) { a.mix_multimodal = r.number(v, k, 0, false); }}});
                       if (a.mix_text + a.mix_visual + a.mix_multimodal <= 0)
                         r.fail(m, mk, "at least one weight must be > 0");
                     }}});
       }},
      {"train",
       [&](auto& n, auto& name) {
         auto& t = c.train;
         r.section(
             n, name,
             {{"preset",
               [&](auto& v, auto& k) {
                 t.preset = r.string(v, k);
                 try {
                   model_preset(t.preset);
                 } catch (const std::invalid_argument&) {
                   r.fail(v, k, "unknown preset (tiny, small or base)");
                 }
               }},
              {"steps_per_cycle", [&](auto& v, auto& k) { t.steps_per_cycle = r.integer(v, k, 1); }},
              {"batch", [&](auto& v, auto& k) { t.batch = r.integer(v, k, 1); }},
              {"learning_rate", [&](auto& v, auto& k) { t.learning_rate = r.number(v, k, 0, true); }},
              {"threads", [&](auto& v, auto& k) { t.threads = int(r.integer(v, k, 0, 4096)); }},
              {"checkpoint_every_cycles", [&](auto& v, auto& k) { t.checkpoint_every_cycles = r.integer(v, k, 1); }},
              {"seed", [&](auto& v, auto& k) { t.seed = r.unsigned_integer(v, k); }}});
       }},
      {"ledger",
       [&](auto& n, auto& name) {
         auto& l = c.ledger;
         r.section(n, name,
                   {{"enabled", [&](auto& v, auto& k) { l.enabled = r.boolean(v, k); }},
                    {"path", [&](auto& v, auto& k) { l.path = r.path(v, k, {}); }},
                    {"auto_stake", [&](auto& v, auto& k) { l.auto_stake = r.boolean(v, k); }}});
       }},
  };
  for (const auto& kv : root) {
    auto h = sections.find(kv.first.Scalar());
    if (h != sections.end()) h->second(kv.second, kv.first.Scalar());  // others are parsed elsewhere
  }
  return c;
}

std::string read_config_text(const fs::path& path) {
  std::optional<std::string> text;
  try {
    text = read_file(path);
  } catch (const std::system_error& e) {
    throw std::runtime_error("config " + path.string() + ": " + e.what());
  }
  if (!text) throw std::runtime_error("config " + path.string() + " does not exist");
  return *text;
}

namespace {
void write_default_config(const fs::path& file) {
  fs::create_directories(file.parent_path());
  write_file_atomic(file, default_config_text());
  spdlog::info("wrote the default config to {}", file.string());
}
}  // namespace

node_config load_node_config(const std::optional<fs::path>& path, bool create_if_missing) {
  const fs::path file = path ? fs::absolute(*path).lexically_normal() : default_config_path();
  if (!fs::exists(file)) {
    if (create_if_missing) {
      write_default_config(file);
    } else if (path) {
      throw std::runtime_error("config " + file.string() + " does not exist");
    } else {
      node_config c = default_node_config();
      c.paths.config_file = file;
      return c;
    }
  }
  return parse_node_config(read_config_text(file), file);
}

const char* consent_key(consent_switch which) {
  return which == consent_switch::agent_data ? "train_on_agent_data" : "train_on_capture";
}

void set_consent(const fs::path& file_in, consent_switch which, bool on) {
  const fs::path abs = fs::absolute(file_in).lexically_normal();
  // Edit the file a symlink points to, so a managed dotfile stays a symlink.
  const fs::path file = fs::is_symlink(abs) ? fs::canonical(abs) : abs;
  if (!fs::exists(file)) write_default_config(file);
  const std::string text = read_config_text(file);
  const char* key = consent_key(which);
  std::string edited;
  try {
    edited = set_yaml_scalar(text, "consent", key, on ? "true" : "false");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("config " + file.string() + ": " + e.what());
  }
  // The edit must read back as asked, whatever else the file holds.
  YAML::Node check;
  try {
    check = YAML::Load(edited);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("config " + file.string() + ": cannot set consent." + key +
                             " by a line edit (the result is not valid YAML: " + e.msg + "); edit the file by hand");
  }
  bool got = !on;
  if (!check.IsMap() || !check["consent"] || !check["consent"].IsMap() || !check["consent"][key] ||
      !YAML::convert<bool>::decode(check["consent"][key], got) || got != on)
    throw std::runtime_error("config " + file.string() + ": cannot set consent." + key +
                             " by a line edit; edit the file by hand");
  try {
    parse_node_config(edited, file);
  } catch (const std::runtime_error& e) {
    spdlog::warn("{} (a running node keeps its previous settings until this is fixed)", e.what());
  }
  if (edited == text) return;
  const fs::perms mode = fs::status(file).permissions();
  write_file_atomic(file, edited);
  std::error_code ec;  // keep a private file private; the rename gave it the temp file's mode
  if (fs::status(file, ec).permissions() != mode) fs::permissions(file, mode, ec);
}

std::string describe_consent(const node_config& c, consent_switch which) {
  const std::string flag = with_config_flag(c);
  if (which == consent_switch::agent_data) {
    const std::string& bus = c.event_bus.endpoint;
    if (c.consent.train_on_agent_data)
      return "agent data: ON — reading ATN conversations and executions from " + c.paths.atn_dir.string() +
             (bus.empty() ? "" : " and the event bus " + bus) + " (turn off: atn-node consent agent-data off" + flag +
             ")";
    return "agent data: OFF — " + c.paths.atn_dir.string() + " is not read" +
           (bus.empty() ? "" : " and the event bus " + bus + " is not subscribed") +
           " (turn on: atn-node consent agent-data on" + flag + ")";
  }
  const std::string& stream = c.capture.frame_stream;
  if (c.consent.train_on_capture) {
    std::ostringstream fps;
    fps << c.capture.fps_cap;
    return "capture: ON — reading screen and browser frames from " + c.paths.capture_dir.string() +
           (stream.empty() ? "" : " and the frame stream " + stream) + ", at most " + fps.str() +
           " per second per source (turn off: atn-node consent capture off" + flag + ")";
  }
  return "capture: OFF — " + c.paths.capture_dir.string() + " is not read" +
         (stream.empty() ? "" : " and the frame stream " + stream + " is not subscribed") +
         " (turn on: atn-node consent capture on" + flag + ")";
}

std::string describe_consent(const node_config& c) {
  return describe_consent(c, consent_switch::agent_data) + "\n" + describe_consent(c, consent_switch::capture) + "\n";
}

}  // namespace atn
