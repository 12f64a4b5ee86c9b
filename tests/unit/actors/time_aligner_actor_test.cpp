#include "actors/time_aligner_actor.hpp"
#include "messages/align_messages.hpp"
#include "runtime/ingest/time_aligner.hpp"

#include <catch2/catch.hpp>

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>

using namespace atn;

namespace {

interaction text_at(std::int64_t ms, const std::string& what) {
  interaction i;
  i.key = "turn:" + what;
  i.session = "conversations/" + what + ".jsonl";
  i.agent = "agent-" + what;
  i.timestamp_ms = ms;
  i.lines = {"[user] " + what};
  return i;
}

frame_record frame_at(std::int64_t ms, std::uint8_t shade) {
  frame_record f;
  f.source_id = "screen";
  f.key = "screen:" + std::to_string(ms);
  f.timestamp_ms = ms;
  f.size = 2;
  f.rgb = std::make_shared<const std::vector<std::uint8_t>>(12, shade);
  return f;
}

const aligned_sample* with_text(const alignment& a, const std::string& what) {
  for (const auto& s : a.samples)
    if (s.has_text && s.lines.at(0) == "[user] " + what) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("time alignment pairs text with a frame inside the window", "[time_aligner]") {
  const auto a = align_by_time({text_at(100000, "a")}, {frame_at(101500, 7)});
  REQUIRE(a.samples.size() == 1);
  CHECK(a.multimodal == 1);
  const auto& s = a.samples[0];
  CHECK(s.has_text);
  CHECK(s.has_visual);
  CHECK(s.timestamp_ms == 100000);
  CHECK(s.session == "conversations/a.jsonl");
  CHECK(s.agent == "agent-a");
  CHECK(s.size == 2);
  REQUIRE(s.rgb);
  CHECK(s.rgb->at(0) == 7);
}

TEST_CASE("time alignment is inclusive at exactly ±2 s and exclusive beyond", "[time_aligner]") {
  const auto at_edges =
      align_by_time({text_at(100000, "before"), text_at(200000, "after")}, {frame_at(98000, 1), frame_at(202000, 2)});
  CHECK(at_edges.multimodal == 2);
  CHECK(at_edges.text_only == 0);
  CHECK(at_edges.visual_only == 0);
  REQUIRE(with_text(at_edges, "before"));
  CHECK(with_text(at_edges, "before")->rgb->at(0) == 1);
  CHECK(with_text(at_edges, "after")->rgb->at(0) == 2);

  const auto outside =
      align_by_time({text_at(100000, "before"), text_at(200000, "after")}, {frame_at(97999, 1), frame_at(202001, 2)});
  CHECK(outside.multimodal == 0);
  CHECK(outside.text_only == 2);
  CHECK(outside.visual_only == 2);
  for (const auto& s : outside.samples) CHECK(s.has_text != s.has_visual);
  // Visual-only samples carry the frame's time and key.
  const auto& first = outside.samples.front();
  CHECK(first.has_visual);
  CHECK_FALSE(first.has_text);
  CHECK(first.timestamp_ms == 97999);
  CHECK(first.session == "screen:97999");
  CHECK(first.lines.empty());

  alignment_options narrow;
  narrow.window_ms = 500;
  CHECK(align_by_time({text_at(1000, "x")}, {frame_at(1500, 1)}, narrow).multimodal == 1);
  CHECK(align_by_time({text_at(1000, "x")}, {frame_at(1501, 1)}, narrow).multimodal == 0);
}

TEST_CASE("time alignment takes the nearest frame, and each frame pairs with one text at most", "[time_aligner]") {
  // Both texts are nearest to frame 2; the closer text gets it, the other its next nearest.
  const auto a = align_by_time({text_at(10000, "near"), text_at(10300, "far")},
                               {frame_at(8500, 1), frame_at(10100, 2), frame_at(11900, 3)});
  CHECK(a.multimodal == 2);
  CHECK(a.visual_only == 1);
  CHECK(with_text(a, "near")->rgb->at(0) == 2);
  CHECK(with_text(a, "far")->rgb->at(0) == 3);

  // One frame, three texts around it: one multimodal, two text-only; nothing is lost.
  const auto crowded = align_by_time({text_at(5000, "p"), text_at(5100, "q"), text_at(4950, "r")}, {frame_at(5000, 9)});
  CHECK(crowded.multimodal == 1);
  CHECK(crowded.text_only == 2);
  CHECK(crowded.visual_only == 0);
  CHECK(with_text(crowded, "p")->has_visual);
  CHECK_FALSE(with_text(crowded, "q")->has_visual);
  CHECK_FALSE(with_text(crowded, "r")->has_visual);
}

TEST_CASE("time alignment keeps unknown times unpaired and sorts by time", "[time_aligner]") {
  const auto a = align_by_time({text_at(-1, "unknown"), text_at(3000, "late"), text_at(1000, "early")},
                               {frame_at(-1, 1), frame_at(1000, 2)});
  CHECK(a.multimodal == 1);
  CHECK(a.text_only == 2);
  CHECK(a.visual_only == 1);
  REQUIRE(a.samples.size() == 4);
  CHECK(a.samples[0].timestamp_ms == 1000);
  CHECK(a.samples[1].timestamp_ms == 3000);
  CHECK(a.samples[2].timestamp_ms == -1);
  CHECK(a.samples[3].timestamp_ms == -1);
  CHECK_FALSE(with_text(a, "unknown")->has_visual);
  CHECK(align_by_time({}, {}).samples.empty());
}

TEST_CASE("time_aligner actor answers an align_request with the samples", "[time_aligner]") {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  auto aligner = spawn_time_aligner(system, 1000);
  caf::scoped_actor self{system};
  align_request request{{text_at(50000, "t"), text_at(90000, "alone")}, {frame_at(50900, 4), frame_at(51500, 5)}};
  alignment reply;
  self->request(aligner, std::chrono::seconds(10), std::move(request))
      .receive([&](alignment& a) { reply = std::move(a); },
               [&](caf::error& err) { FAIL("aligner failed: " << system.render(err)); });
  CHECK(reply.multimodal == 1);
  CHECK(reply.text_only == 1);
  CHECK(reply.visual_only == 1);
  CHECK(with_text(reply, "t")->rgb->at(0) == 4);
  self->send_exit(aligner, caf::exit_reason::user_shutdown);
}
