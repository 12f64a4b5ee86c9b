#include "data/sample/sample_domain_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace atn {

namespace {

// Reads one document; every refusal names the source, the line, the key path and the bad value.
class domain_reader {
  using list_marks = std::map<std::string, std::pair<YAML::Node, std::string>>;  // list -> its node and key

 public:
  explicit domain_reader(const std::string& source) : source_(source) {}

  std::vector<sample_domain> read(const YAML::Node& root) {
    expect_keys(root, "", {"domains"}, {"shared"});
    sample_lexicon shared_lexicon;
    std::vector<sample_exchange> shared_closings;
    if (const YAML::Node shared = root["shared"]) {
      expect_keys(shared, "shared", {}, {"lexicon", "closings"});
      if (const YAML::Node lex = shared["lexicon"]) read_lexicon(lex, "shared.lexicon", shared_lexicon, shared_marks_);
      if (const YAML::Node c = shared["closings"]) shared_closings = exchanges(c, "shared.closings", true);
    }
    const YAML::Node list = root["domains"];
    expect_list(list, "domains", false);
    std::vector<sample_domain> domains;
    std::set<std::string> names, agents;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string key = "domains[" + std::to_string(i) + "]";
      sample_domain d = domain(list[i], key, shared_lexicon, shared_closings);
      if (!names.insert(d.name).second) fail(list[i]["name"], key + ".name", "a second domain named '" + d.name + "'");
      if (!agents.insert(d.agent_id).second)
        fail(list[i], key + ".agent_id", "a second domain with agent directory '" + d.agent_id + "'");
      domains.push_back(std::move(d));
    }
    return domains;
  }

 private:
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& problem) const {
    std::string where = source_;
    if (at.IsDefined() && !at.Mark().is_null()) where += ":" + std::to_string(at.Mark().line + 1);
    throw std::invalid_argument(where + ": " + (key.empty() ? "the document" : key) + ": " + problem);
  }

  static std::string join(const std::string& key, const std::string& child) {
    return key.empty() ? child : key + "." + child;
  }

  static std::string describe(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "nothing";
    if (n.IsScalar()) return "text '" + n.Scalar() + "'";
    return n.IsMap() ? "a mapping" : "a list";
  }

  // A mapping with every required key, no unknown key and no key twice.
  void expect_keys(const YAML::Node& map, const std::string& key, std::initializer_list<const char*> required,
                   std::initializer_list<const char*> optional) const {
    if (!map.IsMap()) fail(map, key, "expected a mapping, got " + describe(map));
    std::set<std::string> seen;
    for (const auto& entry : map) {
      const std::string name = entry.first.Scalar();
      const bool known = std::any_of(required.begin(), required.end(), [&](const char* k) { return name == k; }) ||
                         std::any_of(optional.begin(), optional.end(), [&](const char* k) { return name == k; });
      if (!known) fail(entry.first, join(key, name), "unknown key '" + name + "'");
      if (!seen.insert(name).second) fail(entry.first, join(key, name), "key '" + name + "' given twice");
    }
    for (const char* k : required)
      if (!seen.count(k)) fail(map, key, "missing key '" + std::string(k) + "'");
  }

  void expect_list(const YAML::Node& n, const std::string& key, bool may_be_empty) const {
    if (!n.IsSequence()) fail(n, key, "expected a list, got " + describe(n));
    if (!may_be_empty && n.size() == 0) fail(n, key, "empty list (needs at least one entry)");
  }

  std::string text(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(n, key, "expected text, got " + describe(n));
    return n.Scalar();
  }

  std::vector<std::string> texts(const YAML::Node& n, const std::string& key, bool may_be_empty = false) const {
    expect_list(n, key, may_be_empty);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n.size(); ++i) out.push_back(text(n[i], key + "[" + std::to_string(i) + "]"));
    return out;
  }

  // A name made of [a-z0-9_-], starting with a letter or digit: it becomes a directory name.
  std::string identifier(const YAML::Node& n, const std::string& key) const {
    const std::string s = text(n, key);
    const bool ok =
        !s.empty() &&
        (std::islower(static_cast<unsigned char>(s[0])) || std::isdigit(static_cast<unsigned char>(s[0]))) &&
        std::all_of(s.begin(), s.end(), [](char c) {
          return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                 c == '-' || c == '_';
        });
    if (!ok) fail(n, key, "bad name '" + s + "' (want lowercase letters, digits, '-' and '_')");
    return s;
  }

  std::string one_of(const YAML::Node& n, const std::string& key, std::initializer_list<const char*> allowed) const {
    const std::string s = text(n, key);
    std::string listed;
    for (const char* a : allowed) {
      if (s == a) return s;
      listed += (listed.empty() ? "" : ", ") + std::string(a);
    }
    fail(n, key, "unknown value '" + s + "' (one of " + listed + ")");
  }

  rgb_color colour(const YAML::Node& n, const std::string& key) const {
    const std::string s = text(n, key);
    const bool ok = s.size() == 7 && s[0] == '#' && std::all_of(s.begin() + 1, s.end(), [](char c) {
                      return std::isxdigit(static_cast<unsigned char>(c));
                    });
    if (!ok) fail(n, key, "bad colour '" + s + "' (want '#rrggbb')");
    return rgb_color::hex(static_cast<std::uint32_t>(std::stoul(s.substr(1), nullptr, 16)));
  }

  // Slot names: lowercase words, at most one '.field'; no trailing digit, which would read as a
  // further draw ("{city2}").
  void read_lexicon(const YAML::Node& map, const std::string& key, sample_lexicon& lexicon, list_marks& marks) const {
    if (!map.IsMap()) fail(map, key, "expected a mapping, got " + describe(map));
    std::set<std::string> seen;
    for (const auto& entry : map) {
      const std::string name = entry.first.Scalar();
      const std::string list_key = join(key, name);
      const std::size_t dot = name.find('.');
      auto word_ok = [](const std::string& w) {
        return !w.empty() && std::islower(static_cast<unsigned char>(w[0])) &&
               !std::isdigit(static_cast<unsigned char>(w.back())) && std::all_of(w.begin(), w.end(), [](char c) {
                 return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                        c == '_';
               });
      };
      const bool ok =
          dot == std::string::npos ? word_ok(name) : word_ok(name.substr(0, dot)) && word_ok(name.substr(dot + 1));
      if (!ok)
        fail(entry.first, list_key,
             "bad list name '" + name + "' (want lowercase words like 'city' or 'city.code', not ending in a digit)");
      if (!seen.insert(name).second) fail(entry.first, list_key, "list '" + name + "' given twice");
      lexicon[name] = texts(entry.second, list_key);
      marks[name] = {entry.first, list_key};
    }
  }

  // A list "base.field" runs parallel to "base": the same length, so every draw of base has a field.
  void check_parallel(const sample_lexicon& lexicon, const list_marks& marks) const {
    for (const auto& [name, words] : lexicon) {
      const std::size_t dot = name.find('.');
      if (dot == std::string::npos) continue;
      const auto& [node, key] = marks.at(name);
      const auto base = lexicon.find(name.substr(0, dot));
      if (base == lexicon.end()) fail(node, key, "no list '" + name.substr(0, dot) + "' for it to run parallel to");
      if (base->second.size() != words.size())
        fail(node, key,
             std::to_string(words.size()) + " entries, but '" + base->first + "' has " +
                 std::to_string(base->second.size()) + " (parallel lists run in step)");
    }
  }

  std::vector<sample_exchange> exchanges(const YAML::Node& n, const std::string& key, bool may_be_empty) const {
    expect_list(n, key, may_be_empty);
    std::vector<sample_exchange> out;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const std::string k = key + "[" + std::to_string(i) + "]";
      expect_keys(n[i], k, {"user", "assistant"}, {});
      out.push_back({text(n[i]["user"], k + ".user"), text(n[i]["assistant"], k + ".assistant")});
    }
    return out;
  }

  std::vector<sample_tool> tools(const YAML::Node& n, const std::string& key) const {
    expect_list(n, key, false);
    std::vector<sample_tool> out;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const std::string k = key + "[" + std::to_string(i) + "]";
      expect_keys(n[i], k, {"name", "input", "result"}, {});
      out.push_back(
          {text(n[i]["name"], k + ".name"), text(n[i]["input"], k + ".input"), text(n[i]["result"], k + ".result")});
    }
    return out;
  }

  sample_scenario scenario(const YAML::Node& n, const std::string& key) const {
    expect_keys(n, key, {"asks", "plan", "tools", "replies"}, {"clarify_question", "clarify_answer", "follow_ups"});
    sample_scenario s;
    s.asks = texts(n["asks"], key + ".asks");
    s.plan = text(n["plan"], key + ".plan");
    if (bool(n["clarify_question"]) != bool(n["clarify_answer"]))
      fail(n, key, "clarify_question and clarify_answer come together");
    if (n["clarify_question"]) {
      s.clarify_question = text(n["clarify_question"], key + ".clarify_question");
      s.clarify_answer = text(n["clarify_answer"], key + ".clarify_answer");
    }
    s.tools = tools(n["tools"], key + ".tools");
    s.replies = texts(n["replies"], key + ".replies");
    if (n["follow_ups"]) s.follow_ups = exchanges(n["follow_ups"], key + ".follow_ups", true);
    return s;
  }

  sample_job job(const YAML::Node& n, const std::string& key) const {
    expect_keys(n, key, {"trigger", "plan", "tools", "summary"}, {});
    sample_job j;
    j.trigger = one_of(n["trigger"], key + ".trigger", {"schedule", "webhook"});
    j.plan = text(n["plan"], key + ".plan");
    j.tools = tools(n["tools"], key + ".tools");
    j.summary = text(n["summary"], key + ".summary");
    return j;
  }

  sample_layout layout(const YAML::Node& n, const std::string& key) const {
    static const std::pair<const char*, sample_layout> layouts[] = {
        {"calendar", sample_layout::calendar}, {"mail", sample_layout::mail},     {"code", sample_layout::code},
        {"finance", sample_layout::finance},   {"health", sample_layout::health}, {"travel", sample_layout::travel}};
    const std::string s = one_of(n, key, {"calendar", "mail", "code", "finance", "health", "travel"});
    for (const auto& [name, value] : layouts)
      if (s == name) return value;
    return sample_layout::calendar;  // unreachable: one_of refused anything else
  }

  sample_palette palette(const YAML::Node& n, const std::string& key) const {
    expect_keys(n, key, {"title_bar", "title_text", "background", "panel", "accent", "accent2", "text", "muted"}, {});
    return {colour(n["title_bar"], key + ".title_bar"),
            colour(n["title_text"], key + ".title_text"),
            colour(n["background"], key + ".background"),
            colour(n["panel"], key + ".panel"),
            colour(n["accent"], key + ".accent"),
            colour(n["accent2"], key + ".accent2"),
            colour(n["text"], key + ".text"),
            colour(n["muted"], key + ".muted")};
  }

  sample_domain domain(const YAML::Node& n, const std::string& key, const sample_lexicon& shared_lexicon,
                       const std::vector<sample_exchange>& shared_closings) {
    expect_keys(n, key,
                {"name", "app", "source", "layout", "palette", "window_title", "url", "openers", "tool_errors",
                 "failure_replies", "scenarios", "jobs"},
                {"agent_id", "lexicon", "closings"});
    sample_domain d;
    d.name = identifier(n["name"], key + ".name");
    d.agent_id = n["agent_id"] ? identifier(n["agent_id"], key + ".agent_id") : d.name + "-agent";
    d.app_name = text(n["app"], key + ".app");
    d.source_id = one_of(n["source"], key + ".source", {"browser", "screen"});
    d.layout = layout(n["layout"], key + ".layout");
    d.palette = palette(n["palette"], key + ".palette");
    d.window_title = text(n["window_title"], key + ".window_title");
    d.url = text(n["url"], key + ".url");
    d.lexicon = shared_lexicon;
    list_marks marks = shared_marks_;
    if (n["lexicon"]) read_lexicon(n["lexicon"], key + ".lexicon", d.lexicon, marks);
    check_parallel(d.lexicon, marks);
    d.openers = texts(n["openers"], key + ".openers");
    d.tool_errors = texts(n["tool_errors"], key + ".tool_errors");
    d.failure_replies = texts(n["failure_replies"], key + ".failure_replies");
    d.closings = shared_closings;
    if (n["closings"]) {
      const auto own = exchanges(n["closings"], key + ".closings", true);
      d.closings.insert(d.closings.end(), own.begin(), own.end());
    }
    if (d.closings.empty()) fail(n, key, "no closings: give some here or under shared.closings");
    const YAML::Node scenarios = n["scenarios"];
    expect_list(scenarios, key + ".scenarios", false);
    for (std::size_t i = 0; i < scenarios.size(); ++i)
      d.scenarios.push_back(scenario(scenarios[i], key + ".scenarios[" + std::to_string(i) + "]"));
    const YAML::Node jobs = n["jobs"];
    expect_list(jobs, key + ".jobs", false);
    for (std::size_t i = 0; i < jobs.size(); ++i)
      d.jobs.push_back(job(jobs[i], key + ".jobs[" + std::to_string(i) + "]"));
    return d;
  }

  const std::string& source_;
  list_marks shared_marks_;
};

}  // namespace

std::vector<sample_domain> parse_sample_domains(std::string_view yaml, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    throw std::invalid_argument(source + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  return domain_reader(source).read(root);
}

std::vector<sample_domain> load_sample_domains(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("sample-data: cannot read domains file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_sample_domains(text.str(), file.string());
}

}  // namespace atn
