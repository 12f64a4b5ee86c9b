#include "runtime/replay/replay_harness.hpp"

#include "actors/aggregator.hpp"
#include "messages/bridge_messages.hpp"
#include "model/model_config.hpp"
#include "runtime/protocol/commitment.hpp"
#include "runtime/protocol/round_journal.hpp"
#include "runtime/transport/message_trace.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <cmath>
#include <deque>
#include <memory>
#include <random>
#include <set>

#include <unistd.h>

namespace atn {
namespace {

namespace fs = std::filesystem;

struct exit_record {
  int generation;
  std::string reason;
};

// What the capture actor saw: it is the aggregator's bridge and observer.
struct capture_log {
  std::deque<outbound_message> outbound;
  std::size_t outputs = 0, reports = 0;
  bool done = false;
  std::vector<exit_record> exits;
};

caf::behavior capture(caf::event_based_actor*, std::shared_ptr<capture_log> log) {
  return {
      [log](const outbound_message& m) {
        log->outbound.push_back(m);
        ++log->outputs;
      },
      [log](const round_report&) { ++log->reports; },
      [log](round_done_atom, std::int64_t) { log->done = true; },
  };
}

std::string json_of(const wire_value& v) {
  // trace_fields_json renders a whole object: {"v":...} less the wrapper.
  const auto s = trace_fields_json(wire_fields{{"v", v}});
  return s.substr(5, s.size() - 6);
}

std::string shorten(std::string s, std::size_t max = 400) {
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

std::string describe(const std::string& to, const wire_message& m) {
  return m.type + " to " + to + " round " + std::to_string(m.round) + " " + shorten(trace_fields_json(m.fields));
}

bool numbers_equal(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

const wire_value* single(const wire_value& v, const char* key) {
  if (!v.is_map() || v.as_map().size() != 1 || v.as_map().begin()->first != key) return nullptr;
  return &v.as_map().begin()->second;
}

class runner {
 public:
  runner(const replay_script& script, const replay_options& options) : script_(script), options_(options) {
    cfg_.set("scheduler.policy", caf::atom("testing"));
    cfg_.set("logger.file-verbosity", caf::atom("quiet"));
    cfg_.set("logger.console-verbosity", caf::atom("quiet"));
    system_ = std::make_unique<caf::actor_system>(cfg_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(system_->scheduler());
    // As CAF's own fixture does: a clock that is not at zero.
    sched_->clock().current_time += std::chrono::hours(1);
    if (options_.state_dir.empty()) {
      state_dir_ = fs::temp_directory_path() /
                   ("atn-replay-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
      own_state_dir_ = true;
    } else {
      state_dir_ = options_.state_dir;
    }
  }

  ~runner() {
    if (agg_) caf::anon_send_exit(agg_, caf::exit_reason::kill);
    if (capture_) caf::anon_send_exit(capture_, caf::exit_reason::kill);
    sched_->run();
    // Deadlines still pending hold references to the dead aggregator: never wait for them.
    system_->await_actors_before_shutdown(false);
    if (own_state_dir_) {
      std::error_code ec;
      fs::remove_all(state_dir_, ec);
    }
  }

  replay_result run() {
    const auto& h = script_.header;
    if (h.first_round > 1 && !fs::exists(state_dir_ / "journal.txt")) {
      // A trace that starts later: the aggregator resumes there (without the bonds before it).
      fs::create_directories(state_dir_);
      auto model = h.model;
      canonicalize(model);
      write_round_journal(state_dir_, {h.first_round, to_hex(blake2b_256(model)), {}}, model, model_config{});
    }
    capture_ = system_->spawn(capture, log_);
    spawn_actor();
    settle(0);
    for (const auto& step : script_.steps) {
      switch (step.kind) {
        case replay_step_kind::advance:
          require_no_pending(step.line);
          advance_to(now_ms_ + step.advance_ms, step.line);
          say(step.line, "advance " + std::to_string(step.advance_ms) + " ms (now " + std::to_string(now_ms_) + " ms)");
          break;
        case replay_step_kind::inject:
          inject(step);
          break;
        case replay_step_kind::expect:
          expect(step);
          break;
      }
      if (step.line == h.restart_after_line) restart(step.line);
    }
    settle(0);
    for (const auto& out : pending_) mismatch(0, "no more messages", "unexpected " + describe(out.to, out.message));
    pending_.clear();
    result_.outputs = log_->outputs;
    result_.reports = log_->reports;
    result_.done = log_->done;
    return result_;
  }

 private:
  void say(std::size_t line, const std::string& text) {
    if (options_.on_step) options_.on_step("line " + std::to_string(line) + ": " + text);
  }

  void mismatch(std::size_t line, std::string expected, std::string got) {
    result_.mismatches.push_back({line, std::move(expected), std::move(got)});
    if (options_.on_step) options_.on_step("  MISMATCH " + to_string(result_.mismatches.back()));
  }

  round_aggregator_options aggregator_options() const {
    const auto& h = script_.header;
    round_aggregator_options o;
    o.node_id = h.node;
    o.jurisdiction = h.jurisdiction;
    o.solvers = h.solvers;
    o.coordinators = h.coordinators;
    o.stake = h.stake;
    o.task.steps = h.steps;
    o.task.modalities = *parse_modalities(h.modalities);
    o.task.learning_rate = h.learning_rate;
    o.rounds = h.rounds;
    o.commit_timeout = h.commit_timeout;
    o.reveal_timeout = h.reveal_timeout;
    o.score_commit_timeout = h.score_commit_timeout;
    o.score_reveal_timeout = h.score_reveal_timeout;
    o.state_dir = state_dir_;
    o.initial_weights = h.model;
    return o;
  }

  void spawn_actor() {
    ++generation_;
    agg_ = spawn_aggregator(*system_, aggregator_options(), capture_, capture_, aggregator_thread::scheduler);
    auto log = log_;
    const int generation = generation_;
    caf::actor_cast<caf::abstract_actor*>(agg_)->attach_functor([log, generation](const caf::error& reason) {
      log->exits.push_back({generation, caf::to_string(reason)});
    });
  }

  void restart(std::size_t line) {
    settle(line);
    killed_.insert(generation_);
    caf::anon_send_exit(agg_, caf::exit_reason::kill);
    sched_->run();
    spawn_actor();
    settle(line);
    say(line, "restart: the aggregator was stopped and spawned again on its state directory");
  }

  // Runs every queued message; takes what the actor sent; notices an actor that stopped.
  void settle(std::size_t line) {
    sched_->run();
    while (!log_->outbound.empty()) {
      auto out = std::move(log_->outbound.front());
      log_->outbound.pop_front();
      out.message.from = script_.header.node;  // the bridge would set it
      if (out.message.type == round_type::open) {
        if (auto* v = find_field(out.message, "version"); v && v->is_string())
          versions_[out.message.round] = v->as_string();
      }
      pending_.push_back(std::move(out));
    }
    for (; exits_seen_ < log_->exits.size(); ++exits_seen_) {
      const auto& e = log_->exits[exits_seen_];
      if (!killed_.count(e.generation)) mismatch(line, "the aggregator running", "it stopped: " + e.reason);
    }
  }

  void advance_to(std::int64_t ms, std::size_t line) {
    if (ms > now_ms_) {
      sched_->clock().advance_time(std::chrono::milliseconds(ms - now_ms_));
      now_ms_ = ms;
    }
    settle(line);
  }

  void require_no_pending(std::size_t line) {
    if (!script_.header.strict_order) return;
    for (const auto& out : pending_)
      mismatch(line, "no message before this line", "unexpected " + describe(out.to, out.message));
    pending_.clear();
  }

  static const wire_value* find_field(const wire_message& m, const std::string& key) {
    auto it = m.fields.find(key);
    return it == m.fields.end() ? nullptr : &it->second;
  }

  void inject(const replay_step& step) {
    require_no_pending(step.line);
    if (step.at_ms) advance_to(*step.at_ms, step.line);
    wire_message m = step.message;
    for (const auto& [field, c] : step.commitments) {
      std::string version = c.version ? *c.version : std::string();
      if (version.empty()) {
        auto it = versions_.find(c.round);
        version = it != versions_.end() ? it->second : to_hex(blake2b_256(script_.header.model));
      }
      try {
        const auto d = commitment_of(c.domain, c.node, c.jurisdiction, c.round, version, c.payload_hash, c.salt);
        m.fields[field] = wire_value(wire_value::bytes(d.begin(), d.end()));
      } catch (const std::exception& e) {
        mismatch(step.line, "a commitment to compute", e.what());
      }
    }
    seen_[step.line] = m;
    say(step.line, "in  " + m.type + " from " + m.from + " round " + std::to_string(m.round));
    caf::anon_send(agg_, inbound_message{std::move(m), now_ms_, 0});
    ++result_.injected;
    settle(step.line);
  }

  void expect(const replay_step& step) {
    if (step.at_ms) advance_to(*step.at_ms, step.line);
    const auto& want = step.message;
    const std::string wanted = want.type + " round " + std::to_string(want.round);
    if (pending_.empty()) {
      mismatch(step.line, wanted, "no message");
      return;
    }
    const auto out = std::move(pending_.front());
    pending_.pop_front();
    seen_[step.line] = out.message;
    const auto& got = out.message;
    const std::size_t before = result_.mismatches.size();
    if (got.type != want.type || got.round != want.round) {
      mismatch(step.line, wanted, describe(out.to, got));
    } else {
      if (step.to && *step.to != out.to)
        mismatch(step.line, want.type + " to " + *step.to, want.type + " to " + out.to);
      if (got.jurisdiction != want.jurisdiction)
        mismatch(step.line, "jurisdiction " + want.jurisdiction, "jurisdiction " + got.jurisdiction);
      for (const auto& [key, value] : step.expect) {
        const auto* actual = find_field(got, key);
        if (!actual) {
          mismatch(step.line, want.type + " field '" + key + "' = " + shorten(json_of(value)), "no such field");
          continue;
        }
        std::string why;
        if (!matches(value, *actual, why))
          mismatch(step.line, want.type + " field '" + key + "' = " + shorten(json_of(value)),
                   shorten(json_of(*actual)) + (why.empty() ? "" : " (" + why + ")"));
      }
      check_tensors(step, got);
    }
    const bool ok = result_.mismatches.size() == before;
    if (ok) ++result_.matched;
    say(step.line, "out " + want.type + " round " + std::to_string(want.round) + (ok ? ": ok" : ": MISMATCH"));
  }

  void check_tensors(const replay_step& step, const wire_message& got) {
    using check = replay_step::tensor_check;
    const std::string hash = got.tensors.empty() ? "none" : to_hex(blake2b_256(got.tensors));
    switch (step.tensors) {
      case check::none:
        return;
      case check::absent:
        if (!got.tensors.empty()) mismatch(step.line, "no tensors", "tensors " + hash);
        return;
      case check::hash:
        if (hash != step.tensors_value) mismatch(step.line, "tensors " + step.tensors_value, "tensors " + hash);
        return;
      case check::hash_of_field: {
        const auto* v = find_field(got, step.tensors_value);
        const std::string want = v && v->is_string() ? v->as_string() : "(field '" + step.tensors_value + "')";
        if (hash != want)
          mismatch(step.line, "tensors hashing to field '" + step.tensors_value + "' " + want, "tensors " + hash);
        return;
      }
    }
  }

  // Does `actual` satisfy `expected` (a literal or a matcher)? `why` says where it does not.
  bool matches(const wire_value& expected, const wire_value& actual, std::string& why) const {
    if (const auto* keys = single(expected, "keys"); keys && keys->is_array()) {
      if (!actual.is_map()) return why = "not a map", false;
      std::set<std::string> want, got;
      for (const auto& k : keys->as_array())
        if (k.is_string()) want.insert(k.as_string());
      for (const auto& [k, v] : actual.as_map()) got.insert(k);
      if (want != got) return why = "other keys", false;
      return true;
    }
    if (const auto* ref = single(expected, "same_as"); ref && ref->is_map()) {
      const auto* line = ref->find("line");
      const auto* field = ref->find("field");
      if (!line || !line->is_int() || !field || !field->is_string()) return why = "a malformed same_as", false;
      auto it = seen_.find(static_cast<std::size_t>(line->as_int()));
      if (it == seen_.end()) return why = "line " + std::to_string(line->as_int()) + " has no message (yet)", false;
      const auto* v = find_field(it->second, field->as_string());
      if (!v)
        return why = "line " + std::to_string(line->as_int()) + " has no field '" + field->as_string() + "'", false;
      if (!matches(*v, actual, why))
        return why = "line " + std::to_string(line->as_int()) + " has " + shorten(json_of(*v)), false;
      return true;
    }
    if ((expected.is_int() || expected.is_float()) && (actual.is_int() || actual.is_float()))
      return numbers_equal(expected.as_number(), actual.as_number());
    if (expected.is_map() && actual.is_map()) {
      const auto& e = expected.as_map();
      const auto& a = actual.as_map();
      if (e.size() != a.size()) return why = "other keys", false;
      for (const auto& [k, v] : e) {
        auto it = a.find(k);
        if (it == a.end()) return why = "no key '" + k + "'", false;
        if (!matches(v, it->second, why)) return why = "at '" + k + "'" + (why.empty() ? "" : ": " + why), false;
      }
      return true;
    }
    if (expected.is_array() && actual.is_array()) {
      const auto& e = expected.as_array();
      const auto& a = actual.as_array();
      if (e.size() != a.size()) return why = "length " + std::to_string(a.size()), false;
      for (std::size_t i = 0; i < e.size(); ++i)
        if (!matches(e[i], a[i], why))
          return why = "at item " + std::to_string(i) + (why.empty() ? "" : ": " + why), false;
      return true;
    }
    return expected == actual;
  }

  const replay_script& script_;
  const replay_options& options_;
  replay_result result_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> system_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::shared_ptr<capture_log> log_ = std::make_shared<capture_log>();
  caf::actor capture_, agg_;
  int generation_ = 0;
  std::set<int> killed_;
  std::size_t exits_seen_ = 0;
  std::int64_t now_ms_ = 0;
  std::deque<outbound_message> pending_;
  std::map<std::size_t, wire_message> seen_;      // line → message injected or captured
  std::map<std::int64_t, std::string> versions_;  // round → model version the actor announced
  fs::path state_dir_;
  bool own_state_dir_ = false;
};

}  // namespace

replay_result run_replay(const replay_script& script, const replay_options& options) {
  runner r(script, options);
  return r.run();
}

std::string to_string(const replay_mismatch& m) {
  return (m.line ? "line " + std::to_string(m.line) : std::string("after the last line")) + ": expected " + m.expected +
         ", got " + m.got;
}

}  // namespace atn
