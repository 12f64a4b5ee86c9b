#include "runtime/node/solo_node.hpp"

#include "actors/ema_updater.hpp"
#include "actors/event_subscriber.hpp"
#include "actors/feed_store_actor.hpp"
#include "actors/trainer.hpp"
#include "actors/treasury_client.hpp"
#include "messages/feed_read.hpp"
#include "messages/feed_status.hpp"
#include "messages/training_messages.hpp"
#include "messages/treasury_messages.hpp"
#include "model/checkpoint.hpp"
#include "model/vl_jepa_trainer.hpp"
#include "runtime/config/config_watcher.hpp"
#include "runtime/ingest/time_aligner.hpp"
#include "runtime/ledger/outbox.hpp"
#include "runtime/node/capture_source.hpp"
#include "runtime/node/economy_entry.hpp"
#include "runtime/node/node_economy.hpp"
#include "runtime/node/node_status.hpp"
#include "runtime/training/sample_mix_source.hpp"
#include "runtime/util/file_util.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <deque>
#include <optional>
#include <sstream>

#include <unistd.h>

namespace atn {
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

using clock_type = std::chrono::steady_clock;

// The recent window a cycle trains on: the newest records of each kind (frames are large).
constexpr std::size_t text_window = 2048;
constexpr std::size_t frame_window = 256;
constexpr std::uint64_t read_page = 256;
constexpr auto status_every = std::chrono::seconds(1);
constexpr auto query_timeout = std::chrono::seconds(1);
// A delivery may wait out the ledger's busy timeout (10 s) before the treasury client answers.
constexpr auto treasury_timeout = std::chrono::seconds(60);

std::int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

feed_store_actor_options feed_options(const node_config& c) {
  feed_store_actor_options o;
  o.store.state_dir = c.paths.state_dir;
  o.store.max_bytes = c.feed.max_bytes;
  o.store.max_age_ms = static_cast<std::int64_t>(c.feed.max_age_hours * 3600e3);
  o.store.fsync = c.feed.fsync == feed_fsync::never      ? ring_fsync::never
                  : c.feed.fsync == feed_fsync::periodic ? ring_fsync::periodic
                                                         : ring_fsync::every_flush;
  o.cycle_min_interactions = c.feed.cycle_min_interactions;
  o.cycle_min_interval = milliseconds(static_cast<std::int64_t>(c.feed.cycle_min_interval_seconds * 1000));
  return o;
}

event_subscriber_options subscriber_options(const node_config& c, std::shared_ptr<std::atomic<bool>> consent) {
  event_subscriber_options o;
  o.files.atn_dir = c.paths.atn_dir;
  o.files.state_file = c.paths.state_dir / "agent_data.positions";
  o.bus.endpoint = c.event_bus.endpoint;
  o.privacy = c.privacy;
  o.consent = std::move(consent);
  return o;
}

capture_source_options capture_options(const node_config& c, int image_size,
                                       std::shared_ptr<std::atomic<bool>> consent) {
  capture_source_options o;
  o.capture_dir = c.paths.capture_dir;
  o.stream_endpoint = c.capture.frame_stream;
  o.state_file = c.paths.state_dir / "capture.taken";
  o.exclude_titles = c.capture.exclude_window_titles;
  o.exclude_urls = c.capture.exclude_urls;
  o.exclude_sources = c.capture.exclude_sources;
  o.blur = c.capture.blur_regions;
  o.fps_cap = c.capture.fps_cap;
  o.image_size = c.capture.image_size > 0 ? c.capture.image_size : image_size;
  o.consent = std::move(consent);
  return o;
}

train_config engine_config(const train_section& t) {
  train_config o;
  o.steps = t.steps_per_cycle;
  o.batch_size = t.batch;
  o.learning_rate = t.learning_rate;
  o.warmup_steps = std::min<std::int64_t>(o.warmup_steps, t.steps_per_cycle / 5);
  o.seed = t.seed;
  o.threads = t.threads;
  return o;
}

// Mean loss and cosine of one modality over the steps of a cycle that had it.
struct modality_mean {
  double loss = 0, cosine = 0;
  int steps = 0;
  void add(const modality_metrics& m) {
    if (!m.present) return;
    loss += m.loss;
    cosine += m.cosine;
    ++steps;
  }
  std::string describe(const char* name) const {
    std::ostringstream out;
    out << name;
    if (steps == 0) {
      out << " -";
    } else {
      out.precision(4);
      out << " loss " << loss / steps << " cosine " << cosine / steps;
    }
    return out.str();
  }
};

// The running node: its actors, the model and the cycle under way. Lives on the main thread.
class solo_run {
 public:
  solo_run(const node_config& c, const std::atomic<bool>& stop, std::shared_ptr<std::atomic<bool>> agent_on,
           std::shared_ptr<std::atomic<bool>> capture_on, std::optional<economy_entry> economy,
           caf::actor_system& system)
      : c_(c),
        stop_(stop),
        agent_on_(std::move(agent_on)),
        capture_on_(std::move(capture_on)),
        economy_(std::move(economy)),
        system_(system),
        self_(system),
        model_(model_preset(c.train.preset)) {}

  int run() {
    auto feed = spawn_feed_store(system_, feed_options(c_));
    if (!feed) {
      spdlog::error("{}", system_.render(feed.error()));
      return 1;
    }
    feed_ = *feed;
    started_ms_ = unix_ms();
    int code = 0;
    try {
      start();
      loop();
    } catch (const std::exception& e) {
      spdlog::error("the node stops: {}", e.what());
      code = 1;
    }
    if (!shutdown()) code = 1;
    return code;
  }

 private:
  void start() {
    remove_stale_temp_files(c_.paths.state_dir);  // of status and position files a crash cut short
    configure_torch_threads(c_.train.threads);
    engine_ = std::make_shared<vl_jepa_trainer>(model_, engine_config(c_.train));
    start_treasury();
    resume();
    subscriber_ = spawn_event_subscriber(system_, subscriber_options(c_, agent_on_), feed_);
    capture_ =
        spawn_capture_source(system_, capture_options(c_, static_cast<int>(model_.image_size), capture_on_), feed_);
    ema_ = spawn_ema_updater(system_, engine_->train().ema_start, engine_->train().ema_end);
    self_->send(feed_, cycle_ready_atom::value, caf::actor{self_});
    spdlog::info(
        "running: preset {} on {}, {} steps per cycle; a cycle waits for {} new interactions; "
        "status in {}",
        model_.preset, engine_->device_name(), c_.train.steps_per_cycle, c_.feed.cycle_min_interactions,
        node_status_path(c_.paths.state_dir).string());
    write_status();
  }

  void loop() {
    while (!stop_.load()) {
      self_->receive(
          [&](cycle_ready_atom, std::uint64_t) {
            if (trainer_)
              pending_ = true;  // the next cycle starts when this one ends
            else
              start_cycle();
          },
          [&](train_progress& p) { on_progress(p); }, [&](train_result& r) { on_result(r); },
          [&](train_failure& f) {
            spdlog::warn("cycle {} failed after {} steps: {}", cycle_, cycle_steps_, f.reason);
            count_partial_cycle();
            end_cycle();
          },
          caf::after(milliseconds(100)) >> [] {});
      if (clock_type::now() - last_status_ >= status_every) write_status();
    }
  }

  // The treasury client takes the ledger over and first delivers what a previous run left in the
  // outbox; its first status answer says it is up (the outbox opened).
  void start_treasury() {
    if (!economy_) return;
    treasury_options o;
    o.node_id = solo_node_name;
    o.ledger = std::move(economy_->ledger);  // only the client uses it from now on
    o.wallet = economy_->wallet;
    o.outbox_path = ledger::outbox::default_path(c_.paths.state_dir);
    treasury_ = spawn_treasury_client(system_, std::move(o));
    std::string failure = "no answer";
    bool up = false;
    self_->request(treasury_, treasury_timeout, treasury_status_atom::value)
        .receive([&](treasury_status& s) { treasury_status_ = std::move(s), up = true; },
                 [&](caf::error& e) { failure = system_.render(e); });
    if (!up)
      throw std::runtime_error("the treasury client did not start (outbox " +
                               ledger::outbox::default_path(c_.paths.state_dir).string() + "): " + failure);
  }

  // Records `units` steps that brought the model to total_steps_ in the outbox (durably, before the
  // answer comes) under a key of that total; a key the outbox holds already is not sent again.
  void attest(std::int64_t units) {
    if (!treasury_ || units <= 0) return;
    const attest_training a{attestation_key(solo_node_name, "", total_steps_), "", total_steps_, units};
    std::optional<treasury_outcome> outcome;
    std::string failure = "no answer";
    self_->request(treasury_, treasury_timeout, a)
        .receive([&](treasury_outcome& o) { outcome = std::move(o); },
                 [&](caf::error& e) { failure = system_.render(e); });
    if (!outcome || outcome->state.empty()) {
      attest_failed_ = true;
      throw std::runtime_error("cannot record the attestation " + a.key + " of " + std::to_string(units) +
                               " steps in the outbox " + ledger::outbox::default_path(c_.paths.state_dir).string() +
                               ": " + failure + "; no checkpoint keeps these steps, so a restart trains them again");
    }
    if (outcome->state == "queued")
      spdlog::warn("attestation {} of {} steps is queued ({}); the treasury client sends it when the ledger answers",
                   a.key, units, outcome->detail);
  }

  void resume() {
    const fs::path path = solo_checkpoint_path(c_.paths.state_dir);
    remove_stale_temp_files(path.parent_path());
    const auto bytes = read_file(path);
    if (!bytes) {
      spdlog::info("no checkpoint at {}: starting from a fresh {} model", path.string(), model_.preset);
      return;
    }
    checkpoint ckpt = decode_checkpoint(std::vector<std::uint8_t>(bytes->begin(), bytes->end()), path.string());
    if (ckpt.model.preset != model_.preset)
      throw std::runtime_error("checkpoint " + path.string() + " holds a " + ckpt.model.preset +
                               " model but the config asks for " + model_.preset +
                               "; move the checkpoint away to start a new model");
    engine_->load_full_state(ckpt.tensors);
    engine_->set_steps_done(ckpt.steps);
    total_steps_ = ckpt.steps;
    spdlog::info("resumed from checkpoint {} ({} steps trained)", path.string(), ckpt.steps);
  }

  // Reads what the feed got since the last cycle, keeping the newest records of each kind.
  bool read_window() {
    for (;;) {
      bool ok = false;
      feed_slice slice;
      self_->request(feed_, std::chrono::seconds(30), feed_read_atom::value, text_cursor_, frame_cursor_, read_page)
          .receive([&](feed_slice& s) { slice = std::move(s), ok = true; },
                   [&](caf::error& e) { spdlog::warn("reading the feed failed: {}", system_.render(e)); });
      if (!ok) return false;
      text_cursor_ = slice.next_text_cursor;
      frame_cursor_ = slice.next_frame_cursor;
      for (auto& i : slice.interactions) texts_.push_back(std::move(i));
      for (auto& f : slice.frames) frames_.push_back(std::move(f));
      while (texts_.size() > text_window) texts_.pop_front();
      while (frames_.size() > frame_window) frames_.pop_front();
      if (slice.interactions.size() < read_page && slice.frames.size() < read_page) return true;
    }
  }

  void start_cycle() {
    if (!read_window()) return;
    ++cycle_;
    const alignment aligned = align_by_time({texts_.begin(), texts_.end()}, {frames_.begin(), frames_.end()},
                                            alignment_options{c_.align.window_ms});
    sample_mix_options mix{c_.align.mix_text,     c_.align.mix_visual, c_.align.mix_multimodal, c_.train.batch, 0,
                           c_.train.seed + cycle_};
    auto source = std::make_shared<sample_mix_source>(model_, mix);
    source->add(aligned.samples);
    for (auto k : {sample_kind::text, sample_kind::visual, sample_kind::multimodal})
      sizes_[static_cast<int>(k)] = source->size(k);
    const modality_set modalities{sizes_[0] + sizes_[2] > 0, sizes_[1] + sizes_[2] > 0};
    if (!modalities.text && !modalities.visual) {
      spdlog::info("cycle {}: no usable samples in {} interactions and {} frames; waiting for more", cycle_,
                   texts_.size(), frames_.size());
      --cycle_;
      return;
    }
    engine_->train().seed = c_.train.seed + static_cast<std::uint64_t>(total_steps_);  // fresh masks each cycle
    text_mean_ = visual_mean_ = {};
    cycle_steps_ = 0;
    trainer_ = spawn_trainer(system_, engine_, source, ema_);
    self_->send(trainer_, train_task{"cycle-" + std::to_string(cycle_), c_.train.steps_per_cycle, modalities,
                                     c_.train.learning_rate, ""});
    activity_ = "training cycle " + std::to_string(cycle_);
    write_status();
  }

  void on_progress(const train_progress& p) {
    text_mean_.add(p.metrics.text);
    visual_mean_.add(p.metrics.visual);
    cycle_steps_ = p.step;
    activity_ = "training cycle " + std::to_string(cycle_) + ", step " + std::to_string(p.step) + " of " +
                std::to_string(p.total);
  }

  void on_result(const train_result& r) {
    total_steps_ += r.steps;
    cycle_steps_ = 0;
    ++unsaved_cycles_;
    spdlog::info(
        "cycle {}: samples text {} visual {} multimodal {}; {}, {}; {} steps ({} skipped) in {:.2f} s; "
        "{} steps in all",
        cycle_, sizes_[0], sizes_[1], sizes_[2], text_mean_.describe("text"), visual_mean_.describe("visual"), r.steps,
        r.skipped_steps, r.seconds, total_steps_);
    end_cycle();
    attest(r.steps);  // before the checkpoint that keeps these steps
    if (unsaved_cycles_ >= c_.train.checkpoint_every_cycles) save_checkpoint();
    if (pending_) {
      pending_ = false;
      start_cycle();
    }
  }

  // Steps of a cycle that did not finish changed the model all the same, and the checkpoint keeps
  // them: they are attested like a cycle's.
  void count_partial_cycle() {
    const std::int64_t steps = cycle_steps_;
    total_steps_ += steps;
    cycle_steps_ = 0;
    if (steps > 0) {
      ++unsaved_cycles_;
      attest(steps);
    }
  }

  void end_cycle() {
    if (!trainer_) return;
    self_->send_exit(trainer_, caf::exit_reason::user_shutdown);
    self_->wait_for(trainer_);  // the engine is ours again
    trainer_ = caf::actor{};
    if (!stop_.load()) activity_.clear();
    write_status();
  }

  void save_checkpoint() {
    const fs::path path = solo_checkpoint_path(c_.paths.state_dir);
    if (attest_failed_) {
      spdlog::error("checkpoint {} not written: steps of it could not be attested", path.string());
      return;
    }
    try {
      engine_->set_steps_done(total_steps_);
      const auto bytes = encode_checkpoint({engine_->model(), total_steps_, "atn-node run", engine_->full_state()});
      fs::create_directories(path.parent_path());
      write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      unsaved_cycles_ = 0;
      spdlog::info("checkpoint {} written ({} steps)", path.string(), total_steps_);
    } catch (const std::exception& e) {
      spdlog::error("cannot write checkpoint {}: {}", path.string(), e.what());
    }
  }

  void write_status() {
    last_status_ = clock_type::now();
    {
      // A scoped actor per round: an answer that comes after its timeout dies with it.
      caf::scoped_actor q{system_};
      q->request(feed_, query_timeout, feed_status_atom::value)
          .receive([&](const feed_status& s) { feed_status_ = s; }, [](const caf::error&) {});
      if (subscriber_)
        q->request(subscriber_, query_timeout, feed_status_atom::value)
            .receive([&](const event_subscriber_status& s) { subscriber_status_ = s; }, [](const caf::error&) {});
      if (capture_)
        if (auto r = query_capture_source(q, capture_, query_timeout)) capture_status_ = *r;
      if (treasury_)
        q->request(treasury_, query_timeout, treasury_status_atom::value)
            .receive([&](treasury_status& t) { treasury_status_ = std::move(t); }, [](const caf::error&) {});
    }
    node_status st;
    st.pid = ::getpid();
    st.started_ms = started_ms_;
    st.updated_ms = unix_ms();
    const auto& fc = feed_status_.counters;
    st.activity = !activity_.empty() ? activity_
                                     : "waiting for data (" + std::to_string(fc.new_interactions) + " of " +
                                           std::to_string(c_.feed.cycle_min_interactions) + " new interactions)";
    st.train_on_agent_data = agent_on_->load();
    st.train_on_capture = capture_on_->load();
    const auto& ss = subscriber_status_;
    st.sources.push_back({"agent_data",
                          c_.paths.atn_dir.string(),
                          st.train_on_agent_data,
                          {{"files", ss.files},
                           {"lines", ss.lines},
                           {"interactions", ss.interactions},
                           {"stored", ss.stored},
                           {"duplicates", ss.duplicates},
                           {"excluded", ss.extracted.excluded},
                           {"problems", ss.bad_input},
                           {"feed_errors", ss.feed_errors}}});
    if (!c_.event_bus.endpoint.empty())
      st.sources.push_back(
          {"event_bus",
           c_.event_bus.endpoint,
           st.train_on_agent_data,
           {{"events", ss.events}, {"duplicates", ss.bus.duplicates}, {"malformed", ss.bus.malformed}}});
    st.sources.push_back({"capture", c_.paths.capture_dir.string(), st.train_on_capture, capture_status_.directory});
    if (!c_.capture.frame_stream.empty())
      st.sources.push_back({"frame_stream", c_.capture.frame_stream, st.train_on_capture, capture_status_.stream});
    st.buffered_records = fc.interactions + fc.frames;
    st.buffered_bytes = fc.text_bytes + fc.frame_bytes;
    st.feed_write_error = feed_status_.write_error;
    st.feed_write_failing_since_ms = feed_status_.write_failing_since_ms;
    st.feed_failed_batches = feed_status_.failed_batches;
    economy_status& e = st.economy.emplace();
    e.enabled = economy_.has_value();
    if (economy_) {
      e = economy_status_of(treasury_status_, economy_->ledger_path.string());
      e.address = economy_->wallet->addr().to_string();  // known even before the client first answers
    }
    try {
      write_node_status(c_.paths.state_dir, st);
    } catch (const std::exception& e) {
      if (!status_warned_) spdlog::warn("cannot write the status file: {}", e.what());
      status_warned_ = true;
    }
  }

  // Inputs first, so nothing is in flight when the feed closes. False when the steps of a cycle cut
  // short could not be attested (then they are not checkpointed either).
  bool shutdown() {
    spdlog::info("stopping");
    activity_ = "stopping";
    bool ok = true;
    if (trainer_) {
      end_cycle();  // the step under way finishes first
      // Its progress may still wait in the mailbox.
      for (bool more = true; more;) {
        more = false;
        self_->receive([&](train_progress& p) { cycle_steps_ = p.step, more = true; },
                       [&](train_result& r) { cycle_steps_ = r.steps, more = true; },
                       caf::after(milliseconds(0)) >> [] {});
      }
      try {
        count_partial_cycle();
      } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        ok = false;
      }
    }
    for (caf::actor* a : {&subscriber_, &capture_, &ema_}) {
      if (!*a) continue;
      self_->send_exit(*a, caf::exit_reason::user_shutdown);
      self_->wait_for(*a);
      *a = caf::actor{};
    }
    if (unsaved_cycles_ > 0) save_checkpoint();
    activity_ = "stopped";
    write_status();
    if (treasury_) {
      self_->send_exit(treasury_, caf::exit_reason::user_shutdown);
      self_->wait_for(treasury_);
      treasury_ = caf::actor{};
    }
    self_->send_exit(feed_, caf::exit_reason::user_shutdown);
    self_->wait_for(feed_);
    spdlog::info("stopped: {} steps trained in all; the feed is closed", total_steps_);
    return ok;
  }

  const node_config c_;
  const std::atomic<bool>& stop_;
  std::shared_ptr<std::atomic<bool>> agent_on_, capture_on_;
  std::optional<economy_entry> economy_;  ///< nullopt: run without the ledger
  caf::actor_system& system_;
  caf::scoped_actor self_;
  model_config model_;
  std::shared_ptr<vl_jepa_trainer> engine_;
  caf::actor feed_, subscriber_, capture_, ema_, trainer_, treasury_;
  treasury_status treasury_status_;
  bool attest_failed_ = false;

  std::deque<interaction> texts_;
  std::deque<frame_record> frames_;
  std::uint64_t text_cursor_ = 0, frame_cursor_ = 0;

  std::uint64_t cycle_ = 0;
  bool pending_ = false;
  std::size_t sizes_[3] = {0, 0, 0};
  modality_mean text_mean_, visual_mean_;
  std::int64_t cycle_steps_ = 0;
  std::int64_t total_steps_ = 0;
  std::int64_t unsaved_cycles_ = 0;

  std::int64_t started_ms_ = 0;
  clock_type::time_point last_status_{};
  std::string activity_;
  feed_status feed_status_;
  event_subscriber_status subscriber_status_;
  capture_source_report capture_status_;
  bool status_warned_ = false;
};

void log_consent_change(const char* what, bool was, bool now, const std::string& sentence) {
  if (was != now) spdlog::info("{} consent changed: {}", what, sentence);
}

}  // namespace

fs::path solo_checkpoint_path(const fs::path& state_dir) { return state_dir / "checkpoints" / "latest.ckpt"; }

int run_solo_node(const node_config& config, const fs::path& config_path, const std::atomic<bool>& stop,
                  const solo_options& options) {
  auto agent_on = std::make_shared<std::atomic<bool>>(config.consent.train_on_agent_data);
  auto capture_on = std::make_shared<std::atomic<bool>>(config.consent.train_on_capture);
  // The switches follow the file: turning one off closes that input within a poll interval.
  std::unique_ptr<config_watcher> watcher;
  try {
    watcher = std::make_unique<config_watcher>(config_path, [=](const node_config& c) {
      log_consent_change("agent data", agent_on->exchange(c.consent.train_on_agent_data), c.consent.train_on_agent_data,
                         describe_consent(c, consent_switch::agent_data));
      log_consent_change("capture", capture_on->exchange(c.consent.train_on_capture), c.consent.train_on_capture,
                         describe_consent(c, consent_switch::capture));
    });
  } catch (const std::exception& e) {
    spdlog::error("cannot follow the config file {}: {}", config_path.string(), e.what());
    return 1;
  }
  node_config start = watcher->current();
  if (options.no_ledger) start.ledger.enabled = false;
  if (!options.ledger_file.empty()) start.ledger.path = fs::absolute(options.ledger_file).lexically_normal();
  agent_on->store(start.consent.train_on_agent_data);
  capture_on->store(start.consent.train_on_capture);
  spdlog::info("config {}", start.paths.config_file.string());
  spdlog::info("{}", describe_consent(start, consent_switch::agent_data));
  spdlog::info("{}", describe_consent(start, consent_switch::capture));

  // The gate comes before anything trains: without a wallet, the ledger and a solver stake the node
  // stops here with one line naming the fix.
  std::optional<economy_entry> economy;
  if (start.ledger.enabled) {
    try {
      economy_request r;
      r.state_dir = start.paths.state_dir;
      r.ledger_path = start.ledger.path;
      r.auto_stake = start.ledger.auto_stake;
      r.opt_out = " (or set ledger.enabled: false, or run --no-ledger, to train without earning)";
      economy = enter_economy(r);
    } catch (const std::exception& e) {
      spdlog::error("not training: {}", e.what());
      return 1;
    }
    spdlog::info("ledger {}: {}", economy->ledger_path.string(), economy->standing);
  } else {
    spdlog::warn(
        "ledger off (ledger.enabled: false or --no-ledger): this node's training is not attested and earns nothing");
  }

  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  return solo_run(start, stop, agent_on, capture_on, std::move(economy), system).run();
}

}  // namespace atn
