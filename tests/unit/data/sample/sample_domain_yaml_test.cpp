// The agent domains as data: the built-in YAML, refusals that name the key, and a custom file.
#include "data/sample/sample_domain_yaml.hpp"
#include "data/sample/sample_data_generator.hpp"

#include <unistd.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The built-in YAML with the first occurrence of `from` replaced by `to` (which must be there).
std::string edited(const std::string& from, const std::string& to) {
  std::string text(atn::default_sample_domains_yaml());
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The message parse_sample_domains refuses `yaml` with.
std::string refusal(const std::string& yaml) {
  try {
    atn::parse_sample_domains(yaml, "my-domains.yaml");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("parse_sample_domains accepted the text");
  return {};
}

// A small domain of its own words: a garden agent with one scenario and one job.
const char* const garden_yaml = R"(
domains:
  - name: garden
    app: Greenhouse
    source: screen
    layout: calendar
    palette: {title_bar: '#225522', title_text: '#ffffff', background: '#f0fff0', panel: '#e0f0e0',
              accent: '#33aa33', accent2: '#aa7733', text: '#102010', muted: '#607060'}
    window_title: 'Greenhouse - {meeting}'
    url: ''
    lexicon:
      meeting: [tomato watering, pumpkin pruning]
      plant: [zucchinivine, marigoldia]
      plant.bed: [north bed, south bed]
    openers: ['Garden helper for {user}.']
    tool_errors: [sprinkler valve stuck]
    failure_replies: ['The hose said no: {error}.']
    closings: [{user: Bye, assistant: 'Happy growing, {user_first}.'}]
    scenarios:
      - asks: ['Water the {plant} in the {plant.bed}.']
        plan: 'Open the valve for the {plant.bed}.'
        tools:
          - name: water_plants
            input: '{"bed": "{plant.bed}", "litres": {%1-9}}'
            result: '{"watered": "{plant}"}'
        replies: ['Watered the {plant} in the {plant.bed}.']
    jobs:
      - trigger: schedule
        plan: Morning watering.
        tools: [{name: water_plants, input: '{"bed": "all"}', result: '{"ok": true}'}]
        summary: Watered everything.
)";

// The garden domain with the first occurrence of `from` replaced by `to`.
std::string garden_with(const std::string& from, const std::string& to) {
  std::string text = garden_yaml;
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

struct temp_dir {
  fs::path path;
  temp_dir() : path(fs::temp_directory_path() / ("atn_domains_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("the built-in domains are data/sample/domains.yaml compiled in", "[sample_data][domains_yaml]") {
  CHECK(atn::default_sample_domains_yaml() == slurp(fs::path(ATN_SOURCE_DIR) / "data/sample/domains.yaml"));
  const auto& domains = atn::sample_domains();
  REQUIRE(domains.size() == 6);
  const char* names[] = {"calendar", "mail", "code", "finance", "health", "travel"};
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(domains[i].name == names[i]);
    CHECK(domains[i].agent_id == std::string(names[i]) + "-agent");  // the default directory
  }
  const atn::sample_domain& calendar = domains[0];
  CHECK(calendar.app_name == "Calendar");
  CHECK(calendar.layout == atn::sample_layout::calendar);
  CHECK(calendar.palette.title_bar == atn::rgb_color::hex(0x1a73e8));
  CHECK(calendar.url == "https://calendar.example.com/r/week/{date}");
  // Shared lists and closings come first; a domain adds its own.
  CHECK(calendar.lexicon.at("person").size() == 24);
  CHECK(calendar.lexicon.at("person.phone").front() == "+1 415 555 0100");
  CHECK(calendar.closings.size() == 5);
  CHECK(calendar.closings.front().user == "Thanks, that's all for now.");
  CHECK(domains[5].lexicon.at("city.code").size() == domains[5].lexicon.at("city").size());
  CHECK(domains[2].url.empty());
  CHECK(domains[2].source_id == "screen");
  // A template that holds a real line break and one with JSON escapes survive the YAML quoting.
  bool newline = false;
  for (const auto& sc : domains[2].scenarios)
    for (const auto& f : sc.follow_ups) newline |= f.assistant.find("\n\nFixes {file.test}.") != std::string::npos;
  CHECK(newline);
  CHECK(domains[1].scenarios.size() >= 5);
}

TEST_CASE("a bad domains file is refused with a message naming file and key and value", "[sample_data][domains_yaml]") {
  std::string m = refusal(edited("    layout: mail", "    layout: grid"));
  CHECK_THAT(m, Contains("my-domains.yaml:") && Contains("domains[1].layout") && Contains("'grid'"));
  m = refusal(edited("      accent2: '#34a853'", "      accent2: '#34a85'"));
  CHECK_THAT(m, Contains("domains[0].palette.accent2") && Contains("'#34a85'"));
  m = refusal(edited("    window_title: '{user_email} - Calendar", "    window_titel: '{user_email} - Calendar"));
  CHECK_THAT(m, Contains("domains[0].window_titel") && Contains("unknown key"));
  m = refusal(edited("  - name: calendar\n", "  - name: calendar\n    agent_id: ../../etc\n"));
  CHECK_THAT(m, Contains("domains[0].agent_id") && Contains("'../../etc'"));
  m = refusal(edited("  - name: mail", "  - name: calendar"));
  CHECK_THAT(m, Contains("domains[1].name") && Contains("'calendar'"));
  m = refusal(edited("      - trigger: schedule", "      - trigger: hourly"));
  CHECK_THAT(m, Contains("domains[0].jobs[0].trigger") && Contains("'hourly'"));
  m = refusal(edited("      city.code: [LIS, ", "      city.code: ["));
  CHECK_THAT(m, Contains("domains[5].lexicon.city.code") && Contains("parallel"));
  m = refusal(edited("      event_id: ['evt_{%100000-999999}']", "      event_id: []"));
  CHECK_THAT(m, Contains("domains[0].lexicon.event_id") && Contains("empty list"));
  m = refusal(edited("        replies:\n", "        answers:\n"));
  CHECK_THAT(m, Contains("domains[0].scenarios[0]") && Contains("answers"));
  m = refusal(garden_with("    url: ''", "    url: [a, b]"));
  CHECK_THAT(m, Contains("domains[0].url") && Contains("expected text, got a list"));
  m = refusal(
      garden_with(R"(tools: [{name: water_plants, input: '{"bed": "all"}', result: '{"ok": true}'}])", "tools: nope"));
  CHECK_THAT(m, Contains("domains[0].jobs[0].tools") && Contains("expected a list, got text 'nope'"));
  m = refusal(garden_with("    layout: calendar", "    layout: calendar\n    lexicon_extra: 1"));
  CHECK_THAT(m, Contains("domains[0].lexicon_extra") && Contains("unknown key"));
  m = refusal("domains: [");
  CHECK_THAT(m, Contains("my-domains.yaml:") && Contains("not valid YAML"));
  m = refusal("");
  CHECK_THAT(m, Contains("my-domains.yaml") && Contains("expected a mapping"));
  CHECK_THROWS_WITH(atn::load_sample_domains("/nonexistent/domains.yaml"), Contains("/nonexistent/domains.yaml"));
}

TEST_CASE("a small custom domains file generates data in its own words", "[sample_data][domains_yaml]") {
  temp_dir tmp;
  const fs::path file = tmp.path / "garden.yaml";
  std::ofstream(file) << garden_yaml;
  auto domains = atn::load_sample_domains(file);
  REQUIRE(domains.size() == 1);
  CHECK(domains[0].agent_id == "garden-agent");
  CHECK(domains[0].lexicon.count("person") == 0);  // no shared section: only its own lists

  atn::sample_data_options options;
  options.sessions_per_agent = 4;
  options.frame_size = 64;
  const auto summary = atn::sample_data_generator(options, domains).run(tmp.path / "out");
  CHECK(summary.agents == 1);
  CHECK(summary.sessions == 4);
  CHECK(fs::is_directory(tmp.path / "out/atn/agents"));
  std::size_t agent_dirs = 0;
  for (const auto& e : fs::directory_iterator(tmp.path / "out/atn/agents")) {
    ++agent_dirs;
    CHECK(e.path().filename() == "garden-agent");
  }
  CHECK(agent_dirs == 1);
  const std::string log = slurp(tmp.path / "out/atn/agents/garden-agent/execution.jsonl");
  CHECK_THAT(log, Contains("\"name\":\"water_plants\"") && Contains("bed"));
  std::string conversations;
  for (const auto& e : fs::directory_iterator(tmp.path / "out/atn/conversations")) conversations += slurp(e.path());
  CHECK_THAT(conversations, Contains("Water the ") && Contains(" bed."));
  CHECK(((conversations.find("zucchinivine") != std::string::npos) ||
         (conversations.find("marigoldia") != std::string::npos)));
  CHECK_THAT(slurp(tmp.path / "out/README.txt"), Contains("garden-agent (garden"));
  CHECK_THROWS_AS(atn::sample_data_generator(options, {}), std::invalid_argument);
}
