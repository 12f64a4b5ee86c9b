// The node config file: XDG defaults, the commented first-use file, consent edits that keep every
// other byte, and errors that name the file, key and value.
#include "runtime/config/node_config.hpp"
#include "runtime/config/config_text.hpp"
#include "runtime/util/file_util.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace fs = std::filesystem;

namespace {

// Points HOME and the XDG variables at a temp dir for one test, restoring them afterwards.
struct fake_home {
  atn::test::temp_dir dir{"atn_home"};
  std::optional<std::string> saved[3];
  static constexpr const char* vars[3] = {"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"};

  fake_home() {
    for (int i = 0; i < 3; ++i)
      if (const char* v = std::getenv(vars[i])) saved[i] = v;
    ::setenv("HOME", dir.path.c_str(), 1);
    ::unsetenv("XDG_CONFIG_HOME");
    ::unsetenv("XDG_DATA_HOME");
  }
  ~fake_home() {
    for (int i = 0; i < 3; ++i) {
      if (saved[i])
        ::setenv(vars[i], saved[i]->c_str(), 1);
      else
        ::unsetenv(vars[i]);
    }
  }
};

std::string error_of(const std::string& text) {
  try {
    atn::parse_node_config(text, "/etc/atn/test.yaml");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("config paths follow XDG with fallbacks to the home directory", "[node_config]") {
  fake_home home;
  const fs::path h = home.dir.path;
  CHECK(atn::default_config_path() == h / ".config/atn-node/config.yaml");
  CHECK(atn::default_state_dir() == h / ".local/share/atn-node");
  atn::node_config d = atn::default_node_config();
  CHECK(d.paths.atn_dir == h / ".atn");
  CHECK(d.paths.capture_dir == h / ".atn/captures");

  ::setenv("XDG_CONFIG_HOME", (h / "cfg").c_str(), 1);
  ::setenv("XDG_DATA_HOME", (h / "data").c_str(), 1);
  CHECK(atn::default_config_path() == h / "cfg/atn-node/config.yaml");
  CHECK(atn::default_state_dir() == h / "data/atn-node");

  // The XDG spec says relative values are ignored.
  ::setenv("XDG_DATA_HOME", "relative/data", 1);
  CHECK(atn::default_state_dir() == h / ".local/share/atn-node");
}

TEST_CASE("first use writes the commented default, which parses back to the defaults", "[node_config]") {
  fake_home home;
  ::setenv("XDG_CONFIG_HOME", (home.dir.path / "cfg").c_str(), 1);
  const fs::path file = home.dir.path / "cfg/atn-node/config.yaml";

  // Without create_if_missing a missing default file gives the defaults and writes nothing.
  atn::node_config c = atn::load_node_config(std::nullopt, false);
  CHECK_FALSE(fs::exists(file));
  CHECK(c.paths.config_file == file);

  c = atn::load_node_config(std::nullopt, true);
  REQUIRE(fs::exists(file));
  const std::string text = *atn::read_file(file);
  CHECK(text == atn::default_config_text());
  CHECK(text.find("# ") != std::string::npos);
  CHECK(text.find("atn-node consent agent-data on|off") != std::string::npos);

  const atn::node_config d = atn::default_node_config();
  CHECK(c.paths.config_file == file);
  CHECK(c.paths.state_dir == d.paths.state_dir);
  CHECK(c.paths.atn_dir == home.dir.path / ".atn");
  CHECK(c.paths.capture_dir == home.dir.path / ".atn/captures");
  CHECK_FALSE(c.consent.train_on_agent_data);
  CHECK_FALSE(c.consent.train_on_capture);
  CHECK(c.privacy.exclusion_patterns.empty());
  CHECK(c.privacy.scrub_pii);
  CHECK(c.event_bus.endpoint.empty());
  CHECK(c.capture.frame_stream.empty());
  CHECK(c.capture.blur_regions.empty());
  CHECK(c.capture.fps_cap == d.capture.fps_cap);
  CHECK(c.capture.image_size == 0);
  CHECK(c.feed.max_bytes == (std::uint64_t{1} << 30));
  CHECK(c.feed.max_age_hours == 72);
  CHECK(c.feed.fsync == atn::feed_fsync::every_flush);
  CHECK(c.feed.cycle_min_interactions == 32);
  CHECK(c.feed.cycle_min_interval_seconds == 60);
  CHECK(c.align.window_ms == 2000);
  CHECK(c.align.mix_text == 1.0);
  CHECK(c.align.mix_visual == 1.0);
  CHECK(c.align.mix_multimodal == 1.0);
  CHECK(c.train.preset == "small");
  CHECK(c.train.steps_per_cycle == 50);
  CHECK(c.train.batch == 8);
  CHECK(c.train.learning_rate == Approx(1e-3));
  CHECK(c.train.threads == 0);
  CHECK(c.train.checkpoint_every_cycles == 1);
  CHECK(c.train.seed == 1);
  CHECK(c.ledger.enabled);
  CHECK(c.ledger.path.empty());  // beside the state dir
  CHECK(c.ledger.auto_stake);

  // An explicit file that is missing is an error unless asked to create it.
  const fs::path other = home.dir.path / "elsewhere.yaml";
  CHECK_THROWS_WITH(atn::load_node_config(other, false), Catch::Contains("does not exist"));
  atn::load_node_config(other, true);
  CHECK(fs::exists(other));
}

TEST_CASE("every section is read; unknown sections are left alone", "[node_config]") {
  fake_home home;
  const std::string text = R"(
paths:
  state_dir: state
  atn_dir: $HOME/agents
  capture_dir: ${XDG_DATA_HOME}/frames
consent: {train_on_agent_data: yes, train_on_capture: on}
privacy:
  exclude: [password, "Secret Project"]
  scrub_pii: false
event_bus:
  endpoint: tcp://127.0.0.1:5556
capture:
  frame_stream: ipc:///tmp/frames
  exclude_window_titles: [Bank]
  exclude_urls: [mail.example.com]
  exclude_sources: [camera]
  blur_regions:
    - {x: 0, y: 0, w: 1920, h: 40}
    - {x: 10, y: 20, w: 30, h: 40}
  fps_cap: 0.5
  image_size: 96
feed:
  max_bytes: 512MiB
  max_age_hours: 1.5
  fsync: periodic
  cycle_min_interactions: 4
  cycle_min_interval_seconds: 0
align:
  window_ms: 500
  mix: {text: 2, visual: 0, multimodal: 0.5}
train:
  preset: tiny
  steps_per_cycle: 3
  batch: 2
  learning_rate: 5e-4
  threads: 2
  checkpoint_every_cycles: 4
  seed: 99
ledger:
  enabled: false
  path: ../shared/ledger.sqlite
  auto_stake: no
federation:
  peers: [a, b]
  anything: {goes: here}
)";
  const atn::node_config c = atn::parse_node_config(text, "/etc/atn/node.yaml");
  CHECK(c.paths.state_dir == "/etc/atn/state");  // relative to the file
  CHECK(c.paths.atn_dir == home.dir.path / "agents");
  CHECK(c.paths.capture_dir == home.dir.path / ".local/share/frames");
  CHECK(c.consent.train_on_agent_data);
  CHECK(c.consent.train_on_capture);
  CHECK(c.privacy.exclusion_patterns == std::vector<std::string>{"password", "Secret Project"});
  CHECK_FALSE(c.privacy.scrub_pii);
  CHECK(c.event_bus.endpoint == "tcp://127.0.0.1:5556");
  CHECK(c.capture.frame_stream == "ipc:///tmp/frames");
  CHECK(c.capture.exclude_window_titles == std::vector<std::string>{"Bank"});
  CHECK(c.capture.exclude_urls == std::vector<std::string>{"mail.example.com"});
  CHECK(c.capture.exclude_sources == std::vector<std::string>{"camera"});
  REQUIRE(c.capture.blur_regions.size() == 2);
  CHECK(c.capture.blur_regions[1].x == 10);
  CHECK(c.capture.blur_regions[1].y == 20);
  CHECK(c.capture.blur_regions[1].w == 30);
  CHECK(c.capture.blur_regions[1].h == 40);
  CHECK(c.capture.fps_cap == 0.5);
  CHECK(c.capture.image_size == 96);
  CHECK(c.feed.max_bytes == (std::uint64_t{512} << 20));
  CHECK(c.feed.max_age_hours == 1.5);
  CHECK(c.feed.fsync == atn::feed_fsync::periodic);
  CHECK(c.feed.cycle_min_interactions == 4);
  CHECK(c.feed.cycle_min_interval_seconds == 0);
  CHECK(c.align.window_ms == 500);
  CHECK(c.align.mix_text == 2);
  CHECK(c.align.mix_visual == 0);
  CHECK(c.align.mix_multimodal == 0.5);
  CHECK(c.train.preset == "tiny");
  CHECK(c.train.steps_per_cycle == 3);
  CHECK(c.train.batch == 2);
  CHECK(c.train.learning_rate == Approx(5e-4));
  CHECK(c.train.threads == 2);
  CHECK(c.train.checkpoint_every_cycles == 4);
  CHECK(c.train.seed == 99);
  CHECK_FALSE(c.ledger.enabled);
  CHECK(c.ledger.path == "/etc/shared/ledger.sqlite");
  CHECK_FALSE(c.ledger.auto_stake);

  // The privacy section is the data layer's privacy_config as is.
  atn::privacy_filter filter(c.privacy);
  CHECK(filter.excluded("my PASSWORD is"));

  // An empty file is all defaults.
  CHECK_FALSE(atn::parse_node_config("", "/x.yaml").consent.train_on_agent_data);
  CHECK(atn::parse_node_config("# only a comment\n", "/x.yaml").train.preset == "small");
}

TEST_CASE("bad values and bad YAML are named with file, line, key and value", "[node_config]") {
  std::string e = error_of("consent:\n  train_on_agent_data: maybe\n");
  CHECK_THAT(e, Catch::Contains("/etc/atn/test.yaml:2") && Catch::Contains("consent.train_on_agent_data") &&
                    Catch::Contains("\"maybe\"") && Catch::Contains("true or false"));
  e = error_of("feed:\n  fsync: sometimes\n");
  CHECK_THAT(e, Catch::Contains("feed.fsync") && Catch::Contains("\"sometimes\""));
  e = error_of("feed:\n  max_bytes: lots\n");
  CHECK_THAT(e, Catch::Contains("feed.max_bytes") && Catch::Contains("\"lots\""));
  e = error_of("train:\n  batch: -1\n");
  CHECK_THAT(e, Catch::Contains("train.batch") && Catch::Contains("\"-1\""));
  e = error_of("train:\n  preset: huge\n");
  CHECK_THAT(e, Catch::Contains("train.preset") && Catch::Contains("\"huge\""));
  e = error_of("capture:\n  fps_cap: 0\n");
  CHECK_THAT(e, Catch::Contains("capture.fps_cap") && Catch::Contains("> 0"));
  e = error_of("capture:\n  blur_regions: [{x: 1, y: 2, w: 0, h: 4}]\n");
  CHECK_THAT(e, Catch::Contains("capture.blur_regions[].w") && Catch::Contains("\"0\""));
  e = error_of("align:\n  mix: {text: 0, visual: 0, multimodal: 0}\n");
  CHECK_THAT(e, Catch::Contains("align.mix") && Catch::Contains("> 0"));
  e = error_of("consent:\n  train_on_agentdata: true\n");  // a typo must not pass silently
  CHECK_THAT(e, Catch::Contains("consent.train_on_agentdata") && Catch::Contains("unknown key"));
  e = error_of("paths:\n  atn_dir: $ATN_SURELY_UNSET_VARIABLE/x\n");
  CHECK_THAT(e, Catch::Contains("paths.atn_dir") && Catch::Contains("ATN_SURELY_UNSET_VARIABLE"));
  e = error_of("consent:\n  train_on_capture: [true\n");
  CHECK_THAT(e, Catch::Contains("/etc/atn/test.yaml") && Catch::Contains("not valid YAML"));
  e = error_of("ledger:\n  enabled: sometimes\n");
  CHECK_THAT(e, Catch::Contains("ledger.enabled") && Catch::Contains("\"sometimes\""));
  e = error_of("ledger:\n  wallet: w.key\n");
  CHECK_THAT(e, Catch::Contains("ledger.wallet") && Catch::Contains("unknown key"));
  e = error_of("- just\n- a list\n");
  CHECK_THAT(e, Catch::Contains("top level"));
}

TEST_CASE("set_consent edits one line and keeps every other byte", "[node_config][consent]") {
  atn::test::temp_dir dir;
  const fs::path file = dir.path / "config.yaml";
  const std::string before =
      "# my notes\n"
      "federation:\n"
      "  peers: [a, b]   # keep me\n"
      "\n"
      "consent:\n"
      "  # why I chose this\n"
      "  train_on_agent_data: false   # set by me\n"
      "  train_on_capture: false\n"
      "train:\n"
      "  preset: tiny\n";
  atn::write_file_atomic(file, before);

  atn::set_consent(file, atn::consent_switch::agent_data, true);
  const std::string after = *atn::read_file(file);
  CHECK(after ==
        "# my notes\n"
        "federation:\n"
        "  peers: [a, b]   # keep me\n"
        "\n"
        "consent:\n"
        "  # why I chose this\n"
        "  train_on_agent_data: true    # set by me\n"
        "  train_on_capture: false\n"
        "train:\n"
        "  preset: tiny\n");
  atn::node_config c = atn::load_node_config(file, false);
  CHECK(c.consent.train_on_agent_data);
  CHECK_FALSE(c.consent.train_on_capture);

  // Off again restores the original bytes exactly.
  atn::set_consent(file, atn::consent_switch::agent_data, false);
  CHECK(*atn::read_file(file) == before);

  // No temp file is left beside it.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1);
}

TEST_CASE("set_consent adds a missing key or section and creates a missing file", "[node_config][consent]") {
  atn::test::temp_dir dir;
  const fs::path file = dir.path / "config.yaml";

  atn::write_file_atomic(file, "consent:\n    train_on_agent_data: false\ntrain:\n  batch: 4");
  atn::set_consent(file, atn::consent_switch::capture, true);
  CHECK(*atn::read_file(file) ==
        "consent:\n    train_on_capture: true\n    train_on_agent_data: false\ntrain:\n  batch: 4");

  atn::write_file_atomic(file, "train:\r\n  batch: 4");  // CRLF, no final newline
  atn::set_consent(file, atn::consent_switch::agent_data, true);
  CHECK(*atn::read_file(file) == "train:\r\n  batch: 4\r\nconsent:\r\n  train_on_agent_data: true\r\n");
  CHECK(atn::load_node_config(file, false).consent.train_on_agent_data);

  // A key of the same name nested deeper in another section is not touched.
  CHECK(atn::set_yaml_scalar("align:\n  mix:\n    text: 1\n", "align", "text", "2") ==
        "align:\n  text: 2\n  mix:\n    text: 1\n");

  // A flow-style section cannot be edited line by line: refused, file unchanged.
  atn::write_file_atomic(file, "consent: {train_on_agent_data: false}\n");
  CHECK_THROWS_WITH(atn::set_consent(file, atn::consent_switch::agent_data, true),
                    Catch::Contains(file.string()) && Catch::Contains("by hand"));
  CHECK(*atn::read_file(file) == "consent: {train_on_agent_data: false}\n");

  const fs::path fresh = dir.path / "sub" / "new.yaml";
  atn::set_consent(fresh, atn::consent_switch::capture, true);
  const atn::node_config c = atn::load_node_config(fresh, false);
  CHECK(c.consent.train_on_capture);
  CHECK_FALSE(c.consent.train_on_agent_data);
  CHECK(atn::read_file(fresh)->find("# Learn from screen and browser frames") != std::string::npos);
}

TEST_CASE("describe_consent says plainly what is and is not read", "[node_config][consent]") {
  atn::node_config c;
  c.paths.config_file = "/home/u/custom.yaml";
  c.paths.atn_dir = "/home/u/.atn";
  c.paths.capture_dir = "/home/u/.atn/captures";
  c.event_bus.endpoint = "tcp://127.0.0.1:5556";
  const std::string off = atn::describe_consent(c);
  CHECK_THAT(off, Catch::Contains("agent data: OFF") && Catch::Contains("/home/u/.atn is not read") &&
                      Catch::Contains("tcp://127.0.0.1:5556 is not subscribed") &&
                      Catch::Contains("atn-node consent agent-data on --config /home/u/custom.yaml") &&
                      Catch::Contains("capture: OFF") && Catch::Contains("/home/u/.atn/captures is not read"));
  c.consent.train_on_agent_data = true;
  c.consent.train_on_capture = true;
  const std::string on = atn::describe_consent(c);
  CHECK_THAT(on, Catch::Contains("agent data: ON — reading") && Catch::Contains("capture: ON") &&
                     Catch::Contains("at most 2 per second"));
  CHECK(on.find("not read") == std::string::npos);
}
