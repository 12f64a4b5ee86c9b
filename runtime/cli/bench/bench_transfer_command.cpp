// `atn-node bench transfer`: a delta encoded, sent, received and decoded over tcp loopback against
// raw ZeroMQ throughput for the same frames over the same sockets.
#include "messages/wire_codec.hpp"
#include "model/model_config.hpp"
#include "model/vl_jepa_trainer.hpp"
#include "runtime/cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace atn {
namespace {

struct bench_transfer_settings {
  double megabytes = 0;  // 0: the preset's shared parameters
  std::string preset = "base";
  int tensors = 100;
  int repeat = 5;
  bool json = false;
  bool malloc_defaults = false;  // skip keep_freed_memory_for_transfers()
};

using bench_clock = std::chrono::steady_clock;

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

// Values of a delta: small, sign-mixed, not compressible (xorshift, fast enough for 100s of MB).
std::shared_ptr<std::vector<float>> delta_values(std::int64_t n, std::uint64_t seed) {
  auto data = std::make_shared<std::vector<float>>(static_cast<std::size_t>(n));
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& v : *data) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v = (static_cast<float>(x >> 40) / static_cast<float>(1 << 24) - 0.5f) * 2e-3f;
  }
  return data;
}

// Transformer blocks of width d, ten tensors each (as a ViT block's parameters), sized so that
// `count` tensors hold about `megabytes`.
named_tensors synthetic_delta(double megabytes, int count) {
  const int blocks = std::max(1, count / 10);
  // Per block: qkv 3d²+3d, proj d²+d, fc1 4d²+4d, fc2 4d²+d, two norms 2d → 12d² + 11d floats.
  const double floats_per_block = megabytes * 1e6 / sizeof(float) / blocks;
  const auto d = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::llround((-11 + std::sqrt(121 + 48 * floats_per_block)) / 24)));
  named_tensors out;
  std::uint64_t seed = 1;
  for (int b = 0; b < blocks; ++b) {
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "blocks.%03d.", b);
    const auto add = [&](const char* name, std::vector<std::int64_t> shape) {
      std::int64_t n = 1;
      for (auto s : shape) n *= s;
      out.push_back({std::string(prefix) + name, std::move(shape), delta_values(n, seed++)});
    };
    add("attn.proj.bias", {d});
    add("attn.proj.weight", {d, d});
    add("attn.qkv.bias", {3 * d});
    add("attn.qkv.weight", {3 * d, d});
    add("mlp.fc1.bias", {4 * d});
    add("mlp.fc1.weight", {4 * d, d});
    add("mlp.fc2.bias", {d});
    add("mlp.fc2.weight", {d, 4 * d});
    add("norm.bias", {d});
    add("norm.weight", {d});
  }
  canonicalize(out);
  return out;
}

// The preset's shared parameters with delta-like values: the real layout a round sends.
named_tensors preset_delta(const std::string& preset) {
  train_config train;
  train.threads = 1;
  named_tensors layout;
  {
    vl_jepa_trainer trainer(model_preset(preset), train);
    layout = trainer.shared_weights();
  }
  std::uint64_t seed = 1;
  for (auto& t : layout) t.data = delta_values(t.numel(), seed++);
  return layout;
}

struct sockets {
  // Two contexts, as two nodes would have: each side gets its own I/O thread.
  zmq::context_t send_ctx{1}, recv_ctx{1};
  zmq::socket_t push{send_ctx, zmq::socket_type::push};
  zmq::socket_t pull{recv_ctx, zmq::socket_type::pull};

  sockets() {
    for (auto* s : {&push, &pull}) {
      s->set(zmq::sockopt::linger, 0);
      s->set(zmq::sockopt::sndhwm, 0);
      s->set(zmq::sockopt::rcvhwm, 0);
    }
    pull.set(zmq::sockopt::rcvtimeo, 60000);
    pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.get(zmq::sockopt::last_endpoint));
  }

  std::vector<zmq::message_t> receive() {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(pull, std::back_inserter(frames)))
      throw std::runtime_error("bench transfer: nothing received within 60 s");
    return frames;
  }
};

struct wire_run {
  double seconds = 0;
  double decode_seconds = 0;
  std::size_t frames = 0;
};

// encode + send on a sender thread; receive + decode here. Timed from the start of encode to the
// end of decode.
wire_run run_wire(sockets& s, const wire_message& m, bool verify) {
  const auto start = bench_clock::now();
  std::thread sender([&] {
    auto frames = encode(m);
    zmq::send_multipart(s.push, frames);
  });
  auto frames = s.receive();
  const std::size_t count = frames.size();
  const auto decode_start = bench_clock::now();
  auto result = decode(std::move(frames), wire_limits{});
  wire_run r;
  r.seconds = seconds_since(start);
  r.decode_seconds = seconds_since(decode_start);
  r.frames = count;
  sender.join();
  if (!result) throw std::runtime_error("bench transfer: " + result.error.to_string());
  if (verify && blake2b_256(result.message->tensors) != blake2b_256(m.tensors))
    throw std::runtime_error("bench transfer: the decoded delta's hash differs from the sent one");
  return r;
}

// The same frame sizes from preallocated buffers, sent without copying, received and dropped.
double run_raw(sockets& s, const std::vector<std::vector<char>>& buffers) {
  const auto start = bench_clock::now();
  std::thread sender([&] {
    std::vector<zmq::message_t> frames;
    frames.reserve(buffers.size());
    for (const auto& b : buffers) frames.emplace_back(const_cast<char*>(b.data()), b.size(), nullptr, nullptr);
    zmq::send_multipart(s.push, frames);
  });
  auto frames = s.receive();
  frames.clear();
  const double seconds = seconds_since(start);
  sender.join();
  return seconds;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int bench_transfer(const bench_transfer_settings& settings) {
  if (settings.repeat < 1) throw std::invalid_argument("--repeat must be at least 1");
  if (settings.megabytes < 0) throw std::invalid_argument("--megabytes must not be negative");
  if (settings.tensors < 10) throw std::invalid_argument("--tensors must be at least 10");

  // As run_federation_node does at start-up; see keep_freed_memory_for_transfers().
  const bool tuned = !settings.malloc_defaults && keep_freed_memory_for_transfers();

  wire_message m;
  m.type = "reveal";
  m.from = "bench-node";
  m.jurisdiction = "local";
  m.round = 1;
  m.fields["salt"] = wire_value::bytes(32, 0x5a);
  m.fields["base_version"] = std::string(64, '0');
  m.fields["samples"] = 1024;
  const std::string source = settings.megabytes > 0 ? "synthetic" : "preset " + settings.preset;
  m.tensors =
      settings.megabytes > 0 ? synthetic_delta(settings.megabytes, settings.tensors) : preset_delta(settings.preset);
  std::uint64_t payload = 0;
  for (const auto& t : m.tensors) payload += t.data->size() * sizeof(float);

  // The raw baseline sends exactly the frame sizes the codec produces.
  std::vector<std::vector<char>> buffers;
  for (const auto& f : encode(m)) {
    buffers.emplace_back(f.size());
    std::copy_n(static_cast<const char*>(f.data()), f.size(), buffers.back().data());
  }
  std::uint64_t total = 0;
  for (const auto& b : buffers) total += b.size();

  sockets s;
  run_wire(s, m, true);  // warm-up, and the one run whose hash is checked
  run_raw(s, buffers);
  std::vector<double> wire_seconds, decode_seconds, raw_seconds;
  for (int i = 0; i < settings.repeat; ++i) {
    // Alternate which goes first, so neither always inherits a warm cache.
    if (i % 2 == 1) raw_seconds.push_back(run_raw(s, buffers));
    const auto w = run_wire(s, m, false);
    wire_seconds.push_back(w.seconds);
    decode_seconds.push_back(w.decode_seconds);
    if (i % 2 == 0) raw_seconds.push_back(run_raw(s, buffers));
  }
  const double wire = median(wire_seconds), raw = median(raw_seconds), dec = median(decode_seconds);
  const double mb = static_cast<double>(total) / 1e6;
  const double ratio = raw / wire;

  if (settings.json) {
    const nlohmann::ordered_json j = {
        {"source", source},
        {"tensors", m.tensors.size()},
        {"frames", buffers.size()},
        {"payload_bytes", payload},
        {"message_bytes", total},
        {"repeat", settings.repeat},
        {"transport", "tcp://127.0.0.1 PUSH/PULL"},
        {"malloc_tuned", tuned},
        {"wire", {{"seconds", wire}, {"mb_per_s", mb / wire}, {"decode_seconds", dec}}},
        {"raw", {{"seconds", raw}, {"mb_per_s", mb / raw}}},
        {"ratio", ratio},
    };
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf(
        "bench transfer: %s delta, %zu tensors, %.1f MB in %zu frames, tcp://127.0.0.1 PUSH/PULL, "
        "median of %d%s\n",
        source.c_str(), m.tensors.size(), mb, buffers.size(), settings.repeat, tuned ? "" : ", malloc defaults");
    std::printf("  wire (encode+send+recv+decode): %8.1f MB/s  %7.3f s  (decode %.3f s)\n", mb / wire, wire, dec);
    std::printf("  raw zmq (same frames, no copy): %8.1f MB/s  %7.3f s\n", mb / raw, raw);
    std::printf("  ratio                         : %.2f (wire / raw; target >= 0.70)\n", ratio);
  }
  return 0;
}

}  // namespace

void add_bench_transfer_command(CLI::App& app) {
  CLI::App* bench = bench_group(app);
  auto settings = std::make_shared<bench_transfer_settings>();
  CLI::App* sub = bench->add_subcommand(
      "transfer",
      "A delta encoded, sent, received and decoded over tcp loopback versus raw ZeroMQ sends of the same frames");
  sub->add_option("--megabytes", settings->megabytes,
                  "Size of a synthetic delta in MB (default: the preset's shared parameters)");
  sub->add_option("--preset", settings->preset, "Model preset whose shared parameters make the delta")
      ->capture_default_str();
  sub->add_option("--tensors", settings->tensors, "Tensors of a synthetic delta (multiple of 10)")
      ->capture_default_str();
  sub->add_option("--repeat", settings->repeat, "Runs of each; the median counts")->capture_default_str();
  sub->add_flag("--json", settings->json, "Print one JSON object");
  sub->add_flag("--malloc-defaults", settings->malloc_defaults,
                "Keep the C library's default heap trimming (decoded deltas then land in freshly faulted pages)");
  bind_command(sub, [settings] { return bench_transfer(*settings); });
}

}  // namespace atn
