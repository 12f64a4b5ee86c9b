#include "runtime/ingest/event_bus_subscriber.hpp"

#include "data/input_report.hpp"
#include "tests/unit/support/temp_dir.hpp"
#include "tests/unit/support/test_publisher.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace atn;
using std::chrono::milliseconds;

namespace {

const std::string ping = R"({"type":"agent.heartbeat","source":"test","data":{}})";

// Publishes pings until the subscriber has one: SUB subscriptions reach the publisher late.
void join(test::test_publisher& pub, event_bus_subscriber& sub) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sub.counters().ignored == 0 && std::chrono::steady_clock::now() < deadline) {
    pub.send(ping);
    sub.poll(milliseconds(20));
  }
  REQUIRE(sub.counters().ignored > 0);
}

// Polls until `n` events have come (or 5 s passed).
std::vector<bus_event> take(event_bus_subscriber& sub, std::size_t n) {
  std::vector<bus_event> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto got = sub.poll(milliseconds(100));
    out.insert(out.end(), got.begin(), got.end());
  }
  return out;
}

std::string event(const std::string& type, const std::string& id, const std::string& data) {
  return R"({"type":")" + type + R"(","source":"atn","timestamp":"2026-03-02T09:15:04Z","event_id":")" + id +
         R"(","data":)" + data + "}";
}

}  // namespace

TEST_CASE("bus events of the learned types are handed out, others ignored, repeats dropped", "[event_bus]") {
  test::temp_dir dir;
  test::test_publisher pub(dir.path);
  input_report report;
  event_bus_subscriber sub({pub.endpoint}, report);
  join(pub, sub);
  const auto ignored = sub.counters().ignored;

  pub.send(event("execution.completed", "ev1", R"({"execution_id":"e1", "status":"completed"})"));
  pub.send(event("execution.completed", "ev1", R"({"execution_id":"e1","status":"completed"})"));  // repeat
  pub.send(event("agent.started", "ev2", "{}"));
  pub.send_with_topic("steps", event("step.completed", "ev3", R"({"execution_id":"e1","step_index":0})"));
  pub.send(event("execution.failed", "ev4", R"({"execution_id":"e2","status":"failed"})"));
  auto events = take(sub, 3);
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == "execution.completed");
  CHECK(events[0].event_id == "ev1");
  CHECK(events[0].source == "atn");
  CHECK(events[0].timestamp_ms == 1772442904000);
  CHECK(events[0].data == R"({"execution_id":"e1","status":"completed"})");
  CHECK(events[1].type == "step.completed");
  CHECK(events[2].type == "execution.failed");
  CHECK(events[2].sequence > events[1].sequence);
  CHECK(sub.counters().duplicates == 1);
  CHECK(sub.counters().ignored == ignored + 1);
  CHECK(sub.counters().events == 3);
  CHECK(report.total() == 0);
}

TEST_CASE("bad bus messages are counted and reported, and the next good one still comes", "[event_bus]") {
  test::temp_dir dir;
  test::test_publisher pub(dir.path);
  input_report report;
  event_bus_subscriber sub({pub.endpoint}, report);
  join(pub, sub);

  pub.send("{\"type\": \"execution.completed\", ");             // cut short
  pub.send(std::string("\x00\x01\x02\xff binary", 11));         // binary
  pub.send("[1, 2, 3]");                                        // not an object
  pub.send(R"({"data":{}})");                                   // no type
  pub.send(R"({"type":"execution.completed","data":"text"})");  // data not an object
  pub.send(event("execution.completed", "u1", "{\"execution_id\":\"e\xff\",\"status\":\"completed\"}"));
  pub.send(R"({"type":"execution.failed","timestamp":"yesterday","data":{"execution_id":"e9"}})");
  auto events = take(sub, 2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].event_id == "u1");
  CHECK(events[0].data == "{\"execution_id\":\"e\xEF\xBF\xBD\",\"status\":\"completed\"}");  // repaired
  CHECK(events[1].timestamp_ms == -1);
  CHECK(report.count("corrupt_json") == 1);
  CHECK(report.count("binary_message") == 1);
  CHECK(report.count("bad_event") == 3);
  CHECK(report.count("invalid_utf8") == 1);
  CHECK(report.count("bad_timestamp") == 1);
  CHECK(sub.counters().malformed == 5);
}

TEST_CASE("an unusable bus endpoint is refused with its name", "[event_bus]") {
  input_report report;
  CHECK_THROWS_AS(event_bus_subscriber({"nonsense://x"}, report), std::invalid_argument);
  CHECK_THROWS_WITH(event_bus_subscriber({"nonsense://x"}, report), Catch::Contains("nonsense://x"));
}
