#include "runtime/node/capture_source.hpp"

#include "actors/frame_intake_actor.hpp"
#include "messages/feed_messages.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>

namespace atn {

caf::actor spawn_capture_source(caf::actor_system& system, const capture_source_options& o, caf::actor feed) {
  frame_intake_options fo;
  fo.capture_dir = o.capture_dir;
  fo.stream_endpoint = o.stream_endpoint;
  fo.state_file = o.state_file;
  fo.filter.exclude_titles = o.exclude_titles;
  fo.filter.exclude_urls = o.exclude_urls;
  fo.filter.exclude_sources = o.exclude_sources;
  fo.filter.blur = o.blur;
  fo.filter.size = o.image_size;
  fo.fps_cap = o.fps_cap;
  fo.consent = o.consent;
  return spawn_frame_intake(system, std::move(fo), std::move(feed));
}

std::optional<capture_source_report> query_capture_source(caf::scoped_actor& self, const caf::actor& intake,
                                                          std::chrono::milliseconds timeout) {
  std::optional<capture_source_report> out;
  self->request(intake, timeout, feed_status_atom::value)
      .receive(
          [&](const frame_intake_status& s) {
            const intake_counters& c = s.counters;
            capture_source_report r;
            r.open = s.open;
            r.directory = {{"files", c.files_seen},
                           {"frames", c.frames},
                           {"excluded", c.excluded_source + c.excluded_title + c.excluded_url},
                           {"fps_dropped", c.fps_dropped},
                           {"rejected", c.rejected},
                           {"stored", s.stored},
                           {"duplicates", s.duplicates},
                           {"problems", s.bad_input}};
            r.stream = {{"messages", c.stream_messages}};
            out = std::move(r);
          },
          [](const caf::error&) {});
  return out;
}

}  // namespace atn
