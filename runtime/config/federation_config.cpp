#include "runtime/config/federation_config.hpp"

#include "runtime/config/node_config.hpp"
#include "runtime/protocol/delta_aggregator.hpp"
#include "runtime/transport/curve_keys.hpp"
#include "runtime/transport/endpoint_check.hpp"

#include <yaml-cpp/yaml.h>

#include <set>
#include <stdexcept>

namespace atn {
namespace fs = std::filesystem;

namespace {

struct section_reader {
  const fs::path& file;
  const YAML::Node& node;
  std::string prefix;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw std::runtime_error(file.string() + ": federation key '" + prefix + key + "' " + what);
  }
  void check_keys(const std::set<std::string>& known) const {
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      if (!known.count(key)) fail(key, "is not a known key");
    }
  }
  template <class T>
  void get(const char* key, T& out) const {
    if (!node[key]) return;
    try {
      out = node[key].as<T>();
    } catch (const YAML::Exception&) {
      fail(key, "has a value of the wrong type: '" + YAML::Dump(node[key]) + "'");
    }
  }
  // A text value read by a parser that throws std::invalid_argument on bad text.
  template <class T, class Parse>
  void parsed(const char* key, T& out, Parse parse) const {
    std::string text;
    get(key, text);
    if (text.empty()) return;
    try {
      out = parse(text);
    } catch (const std::invalid_argument& e) {
      fail(key, e.what());
    }
  }
  void path(const char* key, fs::path& out) const {
    std::string text;
    get(key, text);
    if (text.empty()) return;
    out = expand_path(text, file.parent_path());
  }
  void map(const char* key, std::map<std::string, std::string>& out, const char* what) const {
    if (!node[key]) return;
    if (!node[key].IsMap()) fail(key, what);
    for (const auto& kv : node[key]) {
      if (!kv.second.IsScalar()) fail(key, what);
      out[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }
  void seconds(const char* key, std::chrono::milliseconds& out) const {
    double s = -1;
    get(key, s);
    if (!node[key]) return;
    if (!(s > 0)) fail(key, "must be a positive number of seconds");
    out = std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
  }
};

}  // namespace

void load_federation_config(const fs::path& file, federation_node_options& o) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(file.string() + ": not readable YAML: " + e.what());
  }
  const auto fed = root["federation"];
  if (!fed || !fed.IsMap()) throw std::runtime_error(file.string() + ": no `federation:` section");
  section_reader r{file, fed, ""};
  r.check_keys({"id",          "role",    "jurisdiction", "listen", "peers",      "insecure_plaintext",
                "state_dir",   "data",    "images",       "slice",  "slices",     "preset",
                "batch",       "seed",    "threads",      "trace",  "aggregator", "solver",
                "coordinator", "network", "ledger"});
  r.get("id", o.id);
  r.parsed("role", o.role, parse_node_role);
  r.get("jurisdiction", o.jurisdiction);
  r.get("listen", o.listen);
  if (fed["peers"]) {
    if (!fed["peers"].IsSequence()) r.fail("peers", "must be a list of {id, endpoint, public_key}");
    o.peers.clear();
    for (const auto& p : fed["peers"]) {
      if (!p.IsMap() || !p["id"] || !p["endpoint"]) r.fail("peers", "entries need an id and an endpoint");
      for (const auto& kv : p) {
        const auto key = kv.first.as<std::string>();
        if (key != "id" && key != "endpoint" && key != "public_key")
          r.fail("peers", "entry key '" + key + "' is not id, endpoint or public_key");
      }
      o.peers.push_back({p["id"].as<std::string>(), p["endpoint"].as<std::string>(),
                         p["public_key"] ? p["public_key"].as<std::string>() : std::string()});
      if (p["public_key"] && !is_curve_key(o.peers.back().public_key))
        r.fail("peers", "public_key '" + o.peers.back().public_key + "' of '" + o.peers.back().id +
                            "' is not a CURVE key (40 Z85 characters, as `atn-node keygen` prints; quote it)");
      if (auto problem = endpoint_problem(o.peers.back().endpoint))
        r.fail("peers",
               "endpoint '" + o.peers.back().endpoint + "' of '" + o.peers.back().id + "' is invalid: " + *problem);
    }
  }
  r.get("insecure_plaintext", o.insecure_plaintext);
  r.path("state_dir", o.state_dir);
  r.path("data", o.data_dir);
  fs::path images;
  r.path("images", images);
  if (!images.empty()) o.images_dir = images;
  fs::path trace;
  r.path("trace", trace);
  if (!trace.empty()) o.trace = trace;
  r.get("slice", o.slice);
  r.get("slices", o.slices);
  r.get("preset", o.preset);
  r.get("batch", o.batch);
  r.get("seed", o.seed);
  r.get("threads", o.threads);

  if (const auto agg = fed["aggregator"]) {
    section_reader a{file, agg, "aggregator."};
    a.check_keys({"solvers", "coordinators", "stake", "rounds", "steps", "learning_rate", "modalities", "rule", "trim",
                  "commit_timeout", "reveal_timeout", "score_commit_timeout", "score_reveal_timeout", "wallets",
                  "slash_fraction", "network_aggregator"});
    a.get("solvers", o.aggregator.solvers);
    a.get("coordinators", o.aggregator.coordinators);
    if (agg["stake"]) {
      if (!agg["stake"].IsMap()) a.fail("stake", "must map coordinator ids to amounts");
      for (const auto& kv : agg["stake"]) o.aggregator.stake[kv.first.as<std::string>()] = kv.second.as<double>();
    }
    a.get("rounds", o.aggregator.rounds);
    a.get("steps", o.aggregator.task.steps);
    a.get("learning_rate", o.aggregator.task.learning_rate);
    a.parsed("modalities", o.aggregator.task.modalities,
             [](const std::string& text) { return require_modalities(text, "value"); });
    a.parsed("rule", o.aggregator.rule, parse_aggregation_rule);
    a.get("trim", o.aggregator.trim_fraction);
    a.seconds("commit_timeout", o.aggregator.commit_timeout);
    a.seconds("reveal_timeout", o.aggregator.reveal_timeout);
    a.seconds("score_commit_timeout", o.aggregator.score_commit_timeout);
    a.seconds("score_reveal_timeout", o.aggregator.score_reveal_timeout);
    a.map("wallets", o.aggregator.ledger_addresses, "must map node ids to wallet addresses");
    a.parsed("slash_fraction", o.aggregator.slash_fraction_bps,
             [](const std::string& text) { return parse_fraction_bps(text, "value"); });
    a.get("network_aggregator", o.aggregator.network_aggregator);
  }
  if (const auto n = fed["network"]) {
    section_reader nr{file, n, "network."};
    nr.check_keys({"aggregators", "rounds"});
    nr.map("aggregators", o.network.aggregators, "must map jurisdictions to their aggregators' node ids");
    nr.get("rounds", o.network.rounds);
  }
  if (const auto l = fed["ledger"]) {
    section_reader lr{file, l, "ledger."};
    lr.check_keys({"enabled", "file", "auto_stake"});
    lr.get("enabled", o.economy.enabled);
    lr.path("file", o.economy.ledger_file);
    lr.get("auto_stake", o.economy.auto_stake);
  }
  if (const auto s = fed["solver"]) {
    section_reader sr{file, s, "solver."};
    sr.check_keys({"attack"});
    sr.parsed("attack", o.attack, parse_delta_attack);
  }
  if (const auto c = fed["coordinator"]) {
    section_reader cr{file, c, "coordinator."};
    cr.check_keys({"reference_steps", "loss_tolerance"});
    cr.get("reference_steps", o.coordinator.reference_steps);
    cr.get("loss_tolerance", o.coordinator.loss_tolerance);
  }
}

}  // namespace atn
