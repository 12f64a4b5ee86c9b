#include "actors/frame_intake_actor.hpp"
#include "data/png_writer.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;
using namespace atn;
using namespace std::chrono_literals;

namespace {

// What the test feed was given.
struct feed_log {
  std::mutex mutex;
  std::vector<frame_record> frames;
  std::size_t batches = 0;
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mutex);
    return frames.size();
  }
  std::vector<frame_record> copy() {
    std::lock_guard<std::mutex> lock(mutex);
    return frames;
  }
};

// A feed that stores every frame and acknowledges the batch, as feed_store_actor does.
caf::behavior test_feed(caf::event_based_actor*, std::shared_ptr<feed_log> log) {
  return {[=](frame_batch& batch) {
    std::lock_guard<std::mutex> lock(log->mutex);
    ++log->batches;
    for (auto& f : batch.items) log->frames.push_back(f);
    return caf::make_message(feed_ack_atom::value, static_cast<std::uint64_t>(batch.items.size()), std::uint64_t{0});
  }};
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

std::vector<std::uint8_t> solid_rgb(int w, int h, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  std::vector<std::uint8_t> out;
  for (int i = 0; i < w * h; ++i) out.insert(out.end(), {r, g, b});
  return out;
}

void write_png(const fs::path& file, std::uint8_t shade, int w = 24, int h = 16) {
  png_writer().write(file, solid_rgb(w, h, shade, shade, shade), w, h);
}

// Number of inotify instances this process holds.
int inotify_fds() {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = fs::read_symlink(e.path(), ec);
    if (!ec && target.string().find("inotify") != std::string::npos) ++n;
  }
  return n;
}

// One actor system with an intake and a test feed; both are stopped before the system goes.
struct intake_fixture {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  std::shared_ptr<feed_log> log = std::make_shared<feed_log>();
  caf::actor feed = system.spawn(test_feed, log);
  caf::actor intake;

  void start(frame_intake_options o) { intake = spawn_frame_intake(system, std::move(o), feed); }

  void stop() {
    if (!intake) return;
    self->send_exit(intake, caf::exit_reason::user_shutdown);
    self->wait_for(intake);
    intake = nullptr;
  }

  frame_intake_status status() {
    frame_intake_status out;
    self->request(intake, 10s, feed_status_atom::value)
        .receive([&](frame_intake_status& s) { out = s; },
                 [&](caf::error& err) { FAIL("status failed: " << system.render(err)); });
    return out;
  }

  ~intake_fixture() {
    stop();
    self->send_exit(feed, caf::exit_reason::user_shutdown);
  }
};

frame_intake_options base_options(const fs::path& root, bool consent = true) {
  frame_intake_options o;
  o.capture_dir = root / "capture";
  o.state_file = root / "state" / "frame_intake.taken";
  o.filter.size = 8;
  o.fps_cap = 0;
  o.poll_interval = 20ms;
  o.retry_interval = 50ms;
  o.consent = std::make_shared<std::atomic<bool>>(consent);
  o.report = std::make_shared<input_report>();
  fs::create_directories(o.capture_dir);
  return o;
}

}  // namespace

TEST_CASE("frame intake takes a PNG written into the watched directory, with its sidecar", "[frame_intake]") {
  test::temp_dir dir("atn_intake");
  auto o = base_options(dir.path);
  o.filter.exclude_titles = {"secret"};
  o.filter.blur = {{0, 0, 4, 4}};
  intake_fixture fx;
  fx.start(o);
  REQUIRE(eventually([&] { return fx.status().watching; }));

  std::ofstream(o.capture_dir / "shot-1.png.json")
      << R"({"timestamp": "2026-03-02T09:15:04.250Z", "source_id": "screen-1", "window_title": "Editor", "url": "https://example.com"})";
  write_png(o.capture_dir / "shot-1.png", 200);
  REQUIRE(eventually([&] { return fx.log->size() == 1; }));
  const auto f = fx.log->copy().at(0);
  CHECK(f.source_id == "screen-1");
  CHECK(f.window_title == "Editor");
  CHECK(f.url == "https://example.com");
  CHECK(f.timestamp_ms == 1772442904250);
  CHECK(f.key == "screen-1:1772442904250");
  CHECK(f.size == 8);
  REQUIRE(f.rgb);
  REQUIRE(f.rgb->size() == 8 * 8 * 3);
  CHECK(f.rgb->at(0) == 200);

  // Excluded by its title: never reaches the feed, counted.
  std::ofstream(o.capture_dir / "shot-2.json") << R"({"timestamp": 1772442910000, "window_title": "My SECRET notes"})";
  write_png(o.capture_dir / "shot-2.png", 10);
  // A subdirectory made later is watched too; a file moved in counts as complete.
  fs::create_directories(o.capture_dir / "day" / "hour");
  write_png(dir.path / "outside.png", 50);
  REQUIRE(eventually([&] { return fx.status().counters.excluded_title == 1; }));
  fs::rename(dir.path / "outside.png", o.capture_dir / "day" / "hour" / "1772442920000.png");
  REQUIRE(eventually([&] { return fx.log->size() == 2; }));
  const auto moved = fx.log->copy().at(1);
  CHECK(moved.timestamp_ms == 1772442920000);
  CHECK(moved.key == "day/hour/1772442920000.png:1772442920000");
  const auto st = fx.status();
  CHECK(st.frames_acked == 2);
  CHECK(st.stored == 2);
  CHECK(st.counters.frames == 2);
  CHECK(fx.log->size() == 2);
}

TEST_CASE("frame intake takes files present at start once, across a restart", "[frame_intake]") {
  test::temp_dir dir("atn_intake");
  auto o = base_options(dir.path);
  write_png(o.capture_dir / "1772442900000.png", 1);
  write_png(o.capture_dir / "1772442901000.png", 2);
  {
    intake_fixture fx;
    fx.start(o);
    REQUIRE(eventually([&] { return fx.status().frames_acked == 2; }));
    fx.stop();  // saves the state
  }
  REQUIRE(fs::exists(o.state_file));
  write_png(o.capture_dir / "1772442902000.png", 3);
  write_png(o.capture_dir / "1772442900000.png", 4);  // rewritten under the same name: new content
  intake_fixture fx;
  fx.start(o);
  REQUIRE(eventually([&] { return fx.log->size() == 2; }));
  std::set<std::int64_t> times;
  for (const auto& f : fx.log->copy()) times.insert(f.timestamp_ms);
  CHECK(times == std::set<std::int64_t>{1772442900000, 1772442902000});
  // Nothing more comes: the second file was not repeated.
  CHECK_FALSE(eventually([&] { return fx.log->size() > 2; }, 300ms));
}

TEST_CASE("frame intake subscribes to a ZeroMQ frame stream", "[frame_intake]") {
  test::temp_dir dir("atn_intake");
  auto o = base_options(dir.path);
  o.capture_dir.clear();
  o.stream_endpoint = "ipc://" + (dir.path / "frames.sock").string();
  o.filter.exclude_urls = {"bank.example"};
  zmq::context_t ctx{1};
  zmq::socket_t pub{ctx, zmq::socket_type::pub};
  pub.set(zmq::sockopt::linger, 0);
  pub.bind(o.stream_endpoint);
  intake_fixture fx;
  fx.start(o);
  REQUIRE(eventually([&] { return fx.status().subscribed; }));

  auto publish = [&](const std::string& meta, const std::vector<std::uint8_t>& image) {
    std::vector<zmq::const_buffer> parts{zmq::buffer(meta), zmq::buffer(image)};
    zmq::send_multipart(pub, parts);
  };
  const auto png = png_writer().encode(solid_rgb(12, 12, 30, 60, 90), 12, 12);
  // PUB drops messages until the subscription has arrived: publish until one gets through.
  std::int64_t t = 1772442900000;
  REQUIRE(eventually([&] {
    publish(R"({"timestamp": )" + std::to_string(t++) +
                R"(, "source_id": "browser", "window_title": "Docs", "url": "https://docs.example"})",
            png);
    return fx.log->size() > 0;
  }));
  const auto f = fx.log->copy().at(0);
  CHECK(f.source_id == "browser");
  CHECK(f.window_title == "Docs");
  CHECK(f.url == "https://docs.example");
  CHECK(f.key == "browser:" + std::to_string(f.timestamp_ms));
  REQUIRE(f.rgb);
  CHECK(f.rgb->at(0) == 30);
  CHECK(f.rgb->at(1) == 60);
  CHECK(f.rgb->at(2) == 90);

  publish(R"({"timestamp": 1772443000000, "source_id": "browser", "url": "https://BANK.example/login"})", png);
  publish(R"({"timestamp": 1772443001000})", std::vector<std::uint8_t>(png.begin(), png.begin() + 40));
  publish("not json", png);
  std::vector<zmq::const_buffer> three{zmq::str_buffer("{}"), zmq::str_buffer("a"), zmq::str_buffer("b")};
  zmq::send_multipart(pub, three);
  publish(R"({"timestamp": 1772443002000, "source_id": "browser"})", png);
  // Messages arrive in order: once the last is in, every earlier one was handled.
  REQUIRE(eventually([&] {
    auto log = fx.log->copy();
    return !log.empty() && log.back().timestamp_ms == 1772443002000;
  }));
  const auto st = fx.status();
  CHECK(st.counters.stream_messages == fx.log->size() + 4);  // the four bad ones never reach the feed
  CHECK(st.counters.excluded_url == 1);
  CHECK(o.report->count("truncated_image") == 1);
  CHECK(o.report->count("corrupt_json") == 1);
  CHECK(o.report->count("bad_message") == 1);
}

TEST_CASE("frame intake with consent off opens nothing until consent is given", "[frame_intake]") {
  test::temp_dir dir("atn_intake");
  auto o = base_options(dir.path, false);
  o.stream_endpoint = "ipc://" + (dir.path / "frames.sock").string();
  write_png(o.capture_dir / "1772442900000.png", 1);  // before the intake: may be taken with consent
  std::this_thread::sleep_for(30ms);                  // file times are coarse: keep it clearly earlier
  const int inotify_before = inotify_fds();
  intake_fixture fx;
  fx.start(o);
  auto st = fx.status();
  CHECK_FALSE(st.consent);
  CHECK_FALSE(st.open);
  CHECK_FALSE(st.watching);
  CHECK_FALSE(st.subscribed);
  std::this_thread::sleep_for(30ms);
  write_png(o.capture_dir / "1772442901000.png", 2);  // written without consent: never taken
  CHECK_FALSE(eventually([&] { return fx.log->size() > 0; }, 200ms));
  CHECK(inotify_fds() == inotify_before);
  CHECK_FALSE(fx.status().open);

  o.consent->store(true);
  REQUIRE(eventually([&] {
    auto s = fx.status();
    return s.watching && s.subscribed;
  }));
  CHECK(inotify_fds() == inotify_before + 1);
  REQUIRE(eventually([&] { return fx.log->size() == 1; }));
  CHECK(fx.log->copy().at(0).timestamp_ms == 1772442900000);
  CHECK(fx.status().counters.skipped_without_consent == 1);
  write_png(o.capture_dir / "1772442902000.png", 3);
  REQUIRE(eventually([&] { return fx.log->size() == 2; }));

  o.consent->store(false);
  REQUIRE(eventually([&] { return !fx.status().open; }));
  CHECK(inotify_fds() == inotify_before);
  st = fx.status();
  CHECK_FALSE(st.watching);
  CHECK_FALSE(st.subscribed);
}

TEST_CASE("frame intake counts bad images and sidecars and keeps going", "[frame_intake]") {
  test::temp_dir dir("atn_intake");
  auto o = base_options(dir.path);
  intake_fixture fx;
  fx.start(o);
  REQUIRE(eventually([&] { return fx.status().watching; }));
  std::ofstream(o.capture_dir / "zero.png").close();
  const auto png = png_writer().encode(solid_rgb(16, 16, 9, 9, 9), 16, 16);
  std::ofstream(o.capture_dir / "cut.png", std::ios::binary).write(reinterpret_cast<const char*>(png.data()), 60);
  std::ofstream(o.capture_dir / "junk.jpg") << "this is not a JPEG";
  std::ofstream(o.capture_dir / "1772442905000.png.json") << R"({"timestamp": "not a time", "source_id": "s"})";
  write_png(o.capture_dir / "1772442905000.png", 77);
  REQUIRE(eventually([&] { return fx.log->size() == 1; }));
  REQUIRE(eventually([&] { return o.report->count("corrupt_image") == 1; }));
  CHECK(o.report->count("empty_image") == 1);
  CHECK(o.report->count("truncated_image") == 1);
  CHECK(o.report->count("bad_timestamp") == 1);
  const auto f = fx.log->copy().at(0);
  CHECK(f.timestamp_ms == 1772442905000);  // the name's time, as list_frames keeps it
  CHECK(f.source_id == "s");
  const auto st = fx.status();
  CHECK(st.counters.rejected == 3);
  CHECK(st.bad_input == 4);
  CHECK(st.watching);
}

TEST_CASE("frame intake waits for a missing capture directory and caps the frame rate", "[frame_intake]") {
  test::temp_dir dir("atn_intake");
  auto o = base_options(dir.path);
  fs::remove_all(o.capture_dir);
  o.fps_cap = 1.0;
  intake_fixture fx;
  fx.start(o);
  REQUIRE(eventually([&] { return o.report->count("missing_directory") == 1; }));
  CHECK_FALSE(fx.status().watching);
  fs::create_directories(o.capture_dir);
  REQUIRE(eventually([&] { return fx.status().watching; }));
  CHECK(o.report->count("missing_directory") == 1);  // reported once, not per retry
  for (int i = 0; i < 5; ++i) {
    std::ofstream(o.capture_dir / ("f" + std::to_string(i) + ".png.json"))
        << R"({"timestamp": )" << 1772442900000 + i * 400 << R"(, "source_id": "screen"})";
    write_png(o.capture_dir / ("f" + std::to_string(i) + ".png"), static_cast<std::uint8_t>(i));
  }
  // 0, 400, 800, 1200, 1600 ms at 1 fps: 0 and 1200 are kept.
  REQUIRE(eventually([&] { return fx.status().counters.fps_dropped == 3; }));
  REQUIRE(eventually([&] { return fx.log->size() == 2; }));
  std::set<std::int64_t> times;
  for (const auto& f : fx.log->copy()) times.insert(f.timestamp_ms);
  CHECK(times == std::set<std::int64_t>{1772442900000, 1772442901200});
}

TEST_CASE("frame intake waits for a sidecar written after its image, for a while", "[frame_intake]") {
  test::temp_dir dir("atn_intake");
  auto o = base_options(dir.path);
  o.expect_sidecar = true;
  o.sidecar_wait = 300ms;
  intake_fixture fx;
  fx.start(o);
  REQUIRE(eventually([&] { return fx.status().watching; }));
  write_png(o.capture_dir / "1772442900000.png", 5);
  CHECK_FALSE(eventually([&] { return fx.log->size() > 0; }, 100ms));
  std::ofstream(o.capture_dir / "1772442900000.png.json") << R"({"timestamp": 1772442900123, "source_id": "late"})";
  REQUIRE(eventually([&] { return fx.log->size() == 1; }));
  CHECK(fx.log->copy().at(0).source_id == "late");
  CHECK(fx.log->copy().at(0).timestamp_ms == 1772442900123);
  write_png(o.capture_dir / "1772442907000.png", 6);  // its sidecar never comes
  REQUIRE(eventually([&] { return fx.log->size() == 2; }));
  CHECK(fx.log->copy().at(1).timestamp_ms == 1772442907000);
  CHECK(o.report->count("missing_sidecar") == 1);
}

TEST_CASE("frame intake needs a consent switch", "[frame_intake]") {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  frame_intake_options o;
  CHECK_THROWS_AS(spawn_frame_intake(system, o, caf::actor{}), std::invalid_argument);
}

TEST_CASE("taken_files saves only durable entries and reports a corrupt state file", "[frame_intake][taken_files]") {
  test::temp_dir dir("atn_taken");
  const auto file = dir.path / "taken";
  input_report report;
  {
    taken_files taken(file);
    taken.load(report);
    taken.mark("a.png", {100, 5}, true);
    taken.mark("sub/b c.png", {200, 6}, false);  // in flight: not saved
    taken.mark("d.png", {300, 7}, false);
    taken.settle("d.png", {300, 7});
    taken.settle("sub/b c.png", {999, 6});  // a different version: stays in flight
    REQUIRE(taken.save(report));
  }
  taken_files again(file);
  again.load(report);
  CHECK(again.contains("a.png", {100, 5}));
  CHECK_FALSE(again.contains("a.png", {101, 5}));
  CHECK(again.contains("d.png", {300, 7}));
  CHECK_FALSE(again.contains("sub/b c.png", {200, 6}));
  CHECK(report.total() == 0);

  std::ofstream(file, std::ios::app) << "12 x broken.png\nnot-a-line\n";
  taken_files damaged(file);
  damaged.load(report);
  CHECK(report.count("corrupt_state") == 2);
  CHECK(damaged.contains("a.png", {100, 5}));
  std::ofstream(file, std::ios::trunc) << "something else\n1 2 a.png\n";
  taken_files foreign(file);
  foreign.load(report);
  CHECK(report.count("corrupt_state") == 3);
  CHECK(foreign.size() == 0);
}
