#include "messages/round_messages.hpp"

#include <cstring>
#include <stdexcept>

namespace atn {
namespace {

wire_message envelope(const char* type, const std::string& jurisdiction, std::int64_t round) {
  wire_message m;
  m.type = type;
  m.jurisdiction = jurisdiction;
  m.round = round;
  return m;
}

wire_value bin(const digest256& d) { return wire_value::bytes(d.begin(), d.end()); }

wire_value strings(const std::vector<std::string>& v) {
  wire_value::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

wire_value numbers(const std::vector<double>& v) {
  wire_value::array a;
  for (double x : v) a.emplace_back(x);
  return a;
}

// Field readers: each sets `error` naming the field and returns false when it is absent or mistyped.
struct reader {
  const wire_message& m;
  std::string& error;

  const wire_value* get(const char* key) {
    auto it = m.fields.find(key);
    if (it == m.fields.end()) {
      error = std::string("field '") + key + "' missing in " + m.type;
      return nullptr;
    }
    return &it->second;
  }
  bool fail(const char* key, const char* want) {
    error = std::string("field '") + key + "' of " + m.type + " is not " + want;
    return false;
  }
  bool str(const char* key, std::string& out) {
    auto* v = get(key);
    if (!v) return false;
    if (!v->is_string()) return fail(key, "a string");
    out = v->as_string();
    return true;
  }
  bool integer(const char* key, std::int64_t& out) {
    auto* v = get(key);
    if (!v) return false;
    if (!v->is_int()) return fail(key, "an integer");
    out = v->as_int();
    return true;
  }
  bool number(const char* key, double& out) {
    auto* v = get(key);
    if (!v) return false;
    if (!v->is_int() && !v->is_float()) return fail(key, "a number");
    out = v->as_number();
    return true;
  }
  bool digest(const char* key, digest256& out) {
    auto* v = get(key);
    if (!v) return false;
    if (!v->is_bytes() || v->as_bytes().size() != 32) return fail(key, "32 bytes");
    std::memcpy(out.data(), v->as_bytes().data(), 32);
    return true;
  }
  bool strs(const char* key, std::vector<std::string>& out) {
    auto* v = get(key);
    if (!v) return false;
    if (!v->is_array()) return fail(key, "an array of strings");
    out.clear();
    for (const auto& e : v->as_array()) {
      if (!e.is_string()) return fail(key, "an array of strings");
      out.push_back(e.as_string());
    }
    return true;
  }
  bool ints(const char* key, std::vector<std::int64_t>& out) {
    auto* v = get(key);
    if (!v) return false;
    if (!v->is_array()) return fail(key, "an array of integers");
    out.clear();
    for (const auto& e : v->as_array()) {
      if (!e.is_int()) return fail(key, "an array of integers");
      out.push_back(e.as_int());
    }
    return true;
  }
  bool nums(const char* key, std::vector<double>& out) {
    auto* v = get(key);
    if (!v) return false;
    if (!v->is_array()) return fail(key, "an array of numbers");
    out.clear();
    for (const auto& e : v->as_array()) {
      if (!e.is_int() && !e.is_float()) return fail(key, "an array of numbers");
      out.push_back(e.as_number());
    }
    return true;
  }
};

bool expect_type(const wire_message& m, const char* type, std::string& error) {
  if (m.type == type) return true;
  error = "expected a " + std::string(type) + " message, got " + m.type;
  return false;
}

}  // namespace

std::vector<std::string> round_message_types() {
  return {round_type::open,
          round_type::commit,
          round_type::phase,
          round_type::reveal,
          round_type::score_reveal,
          round_type::result,
          round_type::jurisdiction_model,
          round_type::network_model};
}

const char* to_string(round_phase phase) {
  switch (phase) {
    case round_phase::commit:
      return "commit";
    case round_phase::reveal:
      return "reveal";
    case round_phase::score_commit:
      return "score_commit";
    case round_phase::score_reveal:
      return "score_reveal";
    case round_phase::closed:
      return "closed";
  }
  return "?";
}

std::optional<round_phase> parse_round_phase(const std::string& text) {
  for (auto p : {round_phase::commit, round_phase::reveal, round_phase::score_commit, round_phase::score_reveal,
                 round_phase::closed})
    if (text == to_string(p)) return p;
  return std::nullopt;
}

std::string to_string(const modality_set& m) {
  if (m.text && m.visual) return "text,visual";
  return m.text ? "text" : (m.visual ? "visual" : "");
}

std::optional<modality_set> parse_modalities(const std::string& text) {
  modality_set m{false, false};
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const auto part = text.substr(start, end - start);
    if (part == "text")
      m.text = true;
    else if (part == "visual")
      m.visual = true;
    else
      return std::nullopt;
    start = end + 1;
  }
  if (!m.text && !m.visual) return std::nullopt;
  return m;
}

modality_set require_modalities(const std::string& text, const std::string& option) {
  auto m = parse_modalities(text);
  if (!m) throw std::invalid_argument(option + " '" + text + "' is not text, visual or text,visual");
  return *m;
}

wire_message to_wire(const round_open_msg& o, const std::string& jurisdiction, std::int64_t round) {
  auto m = envelope(round_type::open, jurisdiction, round);
  m.fields = {{"version", o.version},
              {"steps", o.task.steps},
              {"modalities", to_string(o.task.modalities)},
              {"learning_rate", o.task.learning_rate},
              {"solvers", strings(o.solvers)},
              {"coordinators", strings(o.coordinators)},
              {"commit_deadline_ms", o.commit_deadline_ms},
              {"reveal_deadline_ms", o.reveal_deadline_ms},
              {"score_commit_deadline_ms", o.score_commit_deadline_ms},
              {"score_reveal_deadline_ms", o.score_reveal_deadline_ms}};
  m.tensors = o.weights;
  return m;
}

wire_message to_wire(const commit_msg& c, const std::string& jurisdiction, std::int64_t round) {
  auto m = envelope(round_type::commit, jurisdiction, round);
  m.fields = {{"kind", c.kind == commit_kind::delta ? "delta" : "scores"}, {"commitment", bin(c.commitment)}};
  return m;
}

wire_message to_wire(const phase_msg& p, const std::string& jurisdiction, std::int64_t round) {
  auto m = envelope(round_type::phase, jurisdiction, round);
  wire_value::map commits;
  for (const auto& [node, c] : p.commits) commits.emplace(node, bin(c));
  m.fields = {{"phase", to_string(p.phase)}, {"commits", std::move(commits)}};
  return m;
}

wire_message to_wire(const reveal_msg& r, const std::string& jurisdiction, std::int64_t round) {
  auto m = envelope(round_type::reveal, jurisdiction, round);
  m.fields = {
      {"salt", bin(r.salt)}, {"samples", r.samples}, {"steps", r.steps}, {"loss", r.loss}, {"cosine", r.cosine}};
  m.tensors = r.delta;
  return m;
}

wire_message to_wire(const score_reveal_msg& s, const std::string& jurisdiction, std::int64_t round) {
  auto m = envelope(round_type::score_reveal, jurisdiction, round);
  m.fields = {{"salt", bin(s.salt)},
              {"solvers", strings(s.solvers)},
              {"scores", numbers(s.scores)},
              {"verify_seconds", s.verify_seconds}};
  return m;
}

wire_message to_wire(const round_result_msg& r, const std::string& jurisdiction, std::int64_t round) {
  auto m = envelope(round_type::result, jurisdiction, round);
  wire_value::map rejected;
  for (const auto& [node, why] : r.rejected) rejected.emplace(node, std::string(to_string(why)));
  m.fields = {{"previous_version", r.previous_version},
              {"version", r.version},
              {"uids", strings(r.uids)},
              {"stake", numbers(r.stake)},
              {"consensus", numbers(r.consensus)},
              {"incentive", numbers(r.incentive)},
              {"dividends", numbers(r.dividends)},
              {"accepted", strings(r.accepted)},
              {"rejected", std::move(rejected)},
              {"held_out_loss", r.held_out_loss}};
  m.tensors = r.weights;
  return m;
}

wire_message to_wire(const jurisdiction_model_msg& j, const std::string& jurisdiction, std::int64_t round) {
  auto m = envelope(round_type::jurisdiction_model, jurisdiction, round);
  m.fields = {{"version", j.version}, {"samples", j.samples}};
  m.tensors = j.weights;
  return m;
}

wire_message to_wire(const network_model_msg& n, std::int64_t round) {
  auto m = envelope(round_type::network_model, network_scope, round);
  wire_value::array samples;
  for (auto s : n.samples) samples.emplace_back(s);
  m.fields = {{"version", n.version},
              {"jurisdictions", strings(n.jurisdictions)},
              {"versions", strings(n.versions)},
              {"samples", std::move(samples)}};
  m.tensors = n.weights;
  return m;
}

static std::optional<round_open_msg> read_round_open(const wire_message& m, std::string& error) {
  if (!expect_type(m, round_type::open, error)) return std::nullopt;
  reader r{m, error};
  round_open_msg o;
  std::string modalities;
  if (!r.str("version", o.version) || !r.integer("steps", o.task.steps) || !r.str("modalities", modalities) ||
      !r.number("learning_rate", o.task.learning_rate) || !r.strs("solvers", o.solvers) ||
      !r.strs("coordinators", o.coordinators) || !r.integer("commit_deadline_ms", o.commit_deadline_ms) ||
      !r.integer("reveal_deadline_ms", o.reveal_deadline_ms) ||
      !r.integer("score_commit_deadline_ms", o.score_commit_deadline_ms) ||
      !r.integer("score_reveal_deadline_ms", o.score_reveal_deadline_ms))
    return std::nullopt;
  auto mods = parse_modalities(modalities);
  if (!mods) {
    error = "field 'modalities' of round_open is not text, visual or text,visual: '" + modalities + "'";
    return std::nullopt;
  }
  o.task.modalities = *mods;
  if (o.task.steps <= 0) {
    error = "field 'steps' of round_open is not positive";
    return std::nullopt;
  }
  o.weights = m.tensors;
  return o;
}

static std::optional<commit_msg> read_commit(const wire_message& m, std::string& error) {
  if (!expect_type(m, round_type::commit, error)) return std::nullopt;
  reader r{m, error};
  commit_msg c;
  std::string kind;
  if (!r.str("kind", kind) || !r.digest("commitment", c.commitment)) return std::nullopt;
  if (kind == "delta")
    c.kind = commit_kind::delta;
  else if (kind == "scores")
    c.kind = commit_kind::scores;
  else {
    error = "field 'kind' of commit is neither delta nor scores: '" + kind + "'";
    return std::nullopt;
  }
  return c;
}

static std::optional<phase_msg> read_phase(const wire_message& m, std::string& error) {
  if (!expect_type(m, round_type::phase, error)) return std::nullopt;
  reader r{m, error};
  phase_msg p;
  std::string phase;
  if (!r.str("phase", phase)) return std::nullopt;
  auto parsed = parse_round_phase(phase);
  if (!parsed) {
    error = "field 'phase' of phase is not a phase: '" + phase + "'";
    return std::nullopt;
  }
  p.phase = *parsed;
  auto* commits = r.get("commits");
  if (!commits) return std::nullopt;
  if (!commits->is_map()) {
    r.fail("commits", "a map of node → 32 bytes");
    return std::nullopt;
  }
  for (const auto& [node, v] : commits->as_map()) {
    if (!v.is_bytes() || v.as_bytes().size() != 32) {
      r.fail("commits", "a map of node → 32 bytes");
      return std::nullopt;
    }
    digest256 d{};
    std::memcpy(d.data(), v.as_bytes().data(), 32);
    p.commits.emplace(node, d);
  }
  return p;
}

static std::optional<reveal_msg> read_reveal(const wire_message& m, std::string& error) {
  if (!expect_type(m, round_type::reveal, error)) return std::nullopt;
  reader r{m, error};
  reveal_msg v;
  if (!r.digest("salt", v.salt) || !r.integer("samples", v.samples) || !r.integer("steps", v.steps) ||
      !r.number("loss", v.loss) || !r.number("cosine", v.cosine))
    return std::nullopt;
  if (m.tensors.empty()) {
    error = "reveal carries no delta";
    return std::nullopt;
  }
  v.delta = m.tensors;
  return v;
}

static std::optional<score_reveal_msg> read_score_reveal(const wire_message& m, std::string& error) {
  if (!expect_type(m, round_type::score_reveal, error)) return std::nullopt;
  reader r{m, error};
  score_reveal_msg s;
  if (!r.digest("salt", s.salt) || !r.strs("solvers", s.solvers) || !r.nums("scores", s.scores)) return std::nullopt;
  if (m.fields.count("verify_seconds") && !r.number("verify_seconds", s.verify_seconds)) return std::nullopt;
  if (s.solvers.size() != s.scores.size()) {
    error = "score_reveal has " + std::to_string(s.scores.size()) + " scores for " + std::to_string(s.solvers.size()) +
            " solvers";
    return std::nullopt;
  }
  return s;
}

static std::optional<round_result_msg> read_round_result(const wire_message& m, std::string& error) {
  if (!expect_type(m, round_type::result, error)) return std::nullopt;
  reader r{m, error};
  round_result_msg out;
  if (!r.str("previous_version", out.previous_version) || !r.str("version", out.version) || !r.strs("uids", out.uids) ||
      !r.nums("stake", out.stake) || !r.nums("consensus", out.consensus) || !r.nums("incentive", out.incentive) ||
      !r.nums("dividends", out.dividends) || !r.strs("accepted", out.accepted) ||
      !r.number("held_out_loss", out.held_out_loss))
    return std::nullopt;
  auto* rejected = r.get("rejected");
  if (!rejected) return std::nullopt;
  if (!rejected->is_map()) {
    r.fail("rejected", "a map of node → reason");
    return std::nullopt;
  }
  for (const auto& [node, why] : rejected->as_map()) {
    if (!why.is_string()) {
      r.fail("rejected", "a map of node → reason");
      return std::nullopt;
    }
    auto reason = parse_reject_reason(why.as_string());
    if (!reason) {
      r.error = "field 'rejected' of " + m.type + ": " + reason.error();
      return std::nullopt;
    }
    out.rejected.emplace(node, *reason);
  }
  out.weights = m.tensors;
  return out;
}

static std::optional<jurisdiction_model_msg> read_jurisdiction_model(const wire_message& m, std::string& error) {
  if (!expect_type(m, round_type::jurisdiction_model, error)) return std::nullopt;
  reader r{m, error};
  jurisdiction_model_msg out;
  if (!r.str("version", out.version) || !r.integer("samples", out.samples)) return std::nullopt;
  if (out.samples < 0) {
    r.fail("samples", "a count (≥ 0)");
    return std::nullopt;
  }
  out.weights = m.tensors;
  return out;
}

static std::optional<network_model_msg> read_network_model(const wire_message& m, std::string& error) {
  if (!expect_type(m, round_type::network_model, error)) return std::nullopt;
  reader r{m, error};
  network_model_msg out;
  if (!r.str("version", out.version) || !r.strs("jurisdictions", out.jurisdictions) ||
      !r.strs("versions", out.versions) || !r.ints("samples", out.samples))
    return std::nullopt;
  if (out.versions.size() != out.jurisdictions.size() || out.samples.size() != out.jurisdictions.size()) {
    r.fail("versions", "one entry per jurisdiction (and so is 'samples')");
    return std::nullopt;
  }
  out.weights = m.tensors;
  return out;
}

// The public parsers: the readers above fill an error text as they go; these hand back the value or
// that text as one parse_result.
template <class T>
static parse_result<T> as_result(std::optional<T> (*read)(const wire_message&, std::string&), const wire_message& m) {
  std::string error;
  auto v = read(m, error);
  if (!v) return parse_result<T>::failure(error.empty() ? "unreadable message" : error);
  return std::move(*v);
}

parse_result<round_open_msg> parse_round_open(const wire_message& m) { return as_result(&read_round_open, m); }
parse_result<commit_msg> parse_commit(const wire_message& m) { return as_result(&read_commit, m); }
parse_result<phase_msg> parse_phase(const wire_message& m) { return as_result(&read_phase, m); }
parse_result<reveal_msg> parse_reveal(const wire_message& m) { return as_result(&read_reveal, m); }
parse_result<score_reveal_msg> parse_score_reveal(const wire_message& m) { return as_result(&read_score_reveal, m); }
parse_result<round_result_msg> parse_round_result(const wire_message& m) { return as_result(&read_round_result, m); }
parse_result<jurisdiction_model_msg> parse_jurisdiction_model(const wire_message& m) {
  return as_result(&read_jurisdiction_model, m);
}
parse_result<network_model_msg> parse_network_model(const wire_message& m) { return as_result(&read_network_model, m); }

}  // namespace atn
