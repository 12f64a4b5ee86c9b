#include "runtime/replay/replay_script.hpp"

#include "data/line_reader.hpp"
#include "data/xoshiro.hpp"
#include "messages/round_messages.hpp"
#include "runtime/protocol/commitment.hpp"
#include "runtime/transport/message_trace.hpp"
#include "runtime/util/file_util.hpp"

#include <cstring>
#include <limits>
#include <set>

namespace atn {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_script_line_bytes = std::size_t{64} << 20;

// Reports problems of one line with its number.
struct line_context {
  const fs::path& file;
  std::size_t line;
  [[noreturn]] void fail(const std::string& what) const { throw replay_script_error(file, line, what); }
};

const wire_value* find(const wire_fields& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

const wire_fields& as_map(const line_context& cx, const wire_value& v, const std::string& what) {
  if (!v.is_map()) cx.fail(what + " is not an object");
  return v.as_map();
}

std::string get_string(const line_context& cx, const wire_fields& m, const char* key) {
  auto* v = find(m, key);
  if (!v || !v->is_string()) cx.fail(std::string("\"") + key + "\" missing or not a string");
  return v->as_string();
}

std::int64_t get_int(const line_context& cx, const wire_fields& m, const char* key) {
  auto* v = find(m, key);
  if (!v || !v->is_int()) cx.fail(std::string("\"") + key + "\" missing or not an integer");
  return v->as_int();
}

double get_number(const line_context& cx, const wire_value& v, const std::string& what) {
  if (!v.is_int() && !v.is_float()) cx.fail(what + " is not a number");
  return v.as_number();
}

std::vector<std::string> get_strings(const line_context& cx, const wire_value& v, const std::string& what) {
  if (!v.is_array()) cx.fail(what + " is not an array of strings");
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) {
    if (!e.is_string()) cx.fail(what + " is not an array of strings");
    out.push_back(e.as_string());
  }
  return out;
}

void only_keys(const line_context& cx, const wire_fields& m, std::initializer_list<const char*> allowed,
               const std::string& what) {
  for (const auto& [key, value] : m) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) cx.fail("unknown key \"" + key + "\" in " + what);
  }
}

// ---- tensors ------------------------------------------------------------------------------------

std::uint32_t read_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

// Canonical bytes (model/named_tensors.hpp) back into tensors.
named_tensors parse_canonical(const line_context& cx, const std::string& bytes, const std::string& source) {
  const auto* b = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const std::size_t size = bytes.size();
  std::size_t pos = 0;
  const auto need = [&](std::uint64_t n) {
    if (n > size - pos) cx.fail(source + " is truncated at byte " + std::to_string(pos));
  };
  named_tensors out;
  while (pos < size) {
    named_tensor t;
    need(4);
    const auto name_len = read_u32(b + pos);
    pos += 4;
    need(name_len);
    t.name.assign(bytes.data() + pos, name_len);
    pos += name_len;
    need(4);
    const auto rank = read_u32(b + pos);
    pos += 4;
    if (rank > 32) cx.fail(source + ": tensor '" + t.name + "' has rank " + std::to_string(rank));
    need(std::uint64_t{8} * rank);
    std::uint64_t numel = 1;
    for (std::uint32_t r = 0; r < rank; ++r) {
      std::int64_t d = 0;
      std::memcpy(&d, b + pos, 8);  // little-endian, as written
      pos += 8;
      if (d < 0 || (d != 0 && numel > (std::numeric_limits<std::uint64_t>::max() / 4) / static_cast<std::uint64_t>(d)))
        cx.fail(source + ": tensor '" + t.name + "' has a bad shape");
      numel *= static_cast<std::uint64_t>(d);
      t.shape.push_back(d);
    }
    need(numel * 4);
    auto data = std::make_shared<std::vector<float>>(numel);
    std::memcpy(data->data(), b + pos, numel * 4);
    pos += numel * 4;
    t.data = std::move(data);
    out.push_back(std::move(t));
  }
  return out;
}

// A canonical-bytes file relative to the script, checked against `blake2b` when given.
named_tensors load_tensor_file(const line_context& cx, const std::string& rel, const wire_value* blake2b) {
  const fs::path p(rel);
  if (p.empty() || p.is_absolute()) cx.fail("tensor file '" + rel + "' is not a relative path");
  for (const auto& part : p)
    if (part == "..") cx.fail("tensor file '" + rel + "' leaves the script's directory");
  const fs::path full = cx.file.parent_path() / p;
  auto bytes = read_file(full);
  if (!bytes) cx.fail("cannot read tensor file " + full.string());
  if (blake2b) {
    if (!blake2b->is_string()) cx.fail("\"blake2b\" is not a string");
    const auto actual = to_hex(blake2b_256(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()));
    if (actual != blake2b->as_string())
      cx.fail(full.string() + " has BLAKE2b-256 " + actual + ", the script says " + blake2b->as_string());
  }
  return parse_canonical(cx, *bytes, full.string());
}

named_tensors layout_from(const line_context& cx, const wire_value& v) {
  if (!v.is_array()) cx.fail("\"layout\" is not an array");
  named_tensors out;
  for (const auto& item : v.as_array()) {
    const auto& m = as_map(cx, item, "a layout entry");
    named_tensor t;
    t.name = get_string(cx, m, "name");
    auto* shape = find(m, "shape");
    if (!shape || !shape->is_array()) cx.fail("layout entry '" + t.name + "' has no \"shape\" array");
    std::int64_t numel = 1;
    for (const auto& d : shape->as_array()) {
      if (!d.is_int() || d.as_int() < 0 || d.as_int() > (1 << 24)) cx.fail("a bad shape of '" + t.name + "'");
      t.shape.push_back(d.as_int());
      numel *= d.as_int();
      if (numel > (std::int64_t{1} << 28)) cx.fail("tensor '" + t.name + "' is too large for a script");
    }
    t.data = std::make_shared<std::vector<float>>(static_cast<std::size_t>(numel), 0.0f);
    out.push_back(std::move(t));
  }
  try {
    canonicalize(out);
  } catch (const std::exception& e) {
    cx.fail(std::string("bad layout: ") + e.what());
  }
  return out;
}

// {"generate": {"seed", "scale"}} against the model's layout.
named_tensors generated_from(const line_context& cx, const wire_value& spec, const named_tensors& model) {
  const auto& m = as_map(cx, spec, "\"generate\"");
  only_keys(cx, m, {"seed", "scale"}, "\"generate\"");
  const auto seed = get_int(cx, m, "seed");
  auto* scale = find(m, "scale");
  return replay_generated_tensors(model, static_cast<std::uint64_t>(seed),
                                  scale ? get_number(cx, *scale, "\"scale\"") : 0.01);
}

// A line's "tensors": null/absent → none; {"generate"} or a recorded {"file", "blake2b", "layout"}.
named_tensors in_tensors(const line_context& cx, const wire_value* v, const named_tensors& model) {
  if (!v || v->is_nil()) return {};
  const auto& m = as_map(cx, *v, "\"tensors\"");
  if (auto* gen = find(m, "generate")) {
    only_keys(cx, m, {"generate"}, "\"tensors\"");
    return generated_from(cx, *gen, model);
  }
  only_keys(cx, m, {"file", "blake2b", "layout"}, "\"tensors\"");
  auto tensors = load_tensor_file(cx, get_string(cx, m, "file"), find(m, "blake2b"));
  if (auto* layout = find(m, "layout")) {
    try {
      require_same_layout(tensors, layout_from(cx, *layout), "the tensor file");
    } catch (const std::invalid_argument& e) {
      cx.fail(std::string("tensors do not match their \"layout\": ") + e.what());
    }
  }
  return tensors;
}

digest256 salt_from(const line_context& cx, const wire_value& v, const std::string& what) {
  if (v.is_map()) {
    auto* seed = v.find("salt_seed");
    if (seed && v.as_map().size() == 1 && seed->is_int())
      return replay_salt(static_cast<std::uint64_t>(seed->as_int()));
  }
  if (!v.is_bytes() || v.as_bytes().size() != 32)
    cx.fail(what + " is neither 32 bytes ({\"bin\": hex}) nor {\"salt_seed\": n}");
  digest256 d{};
  std::memcpy(d.data(), v.as_bytes().data(), 32);
  return d;
}

bool is_generator(const wire_value& v, const char* key) {
  return v.is_map() && v.as_map().size() == 1 && v.as_map().begin()->first == key;
}

std::chrono::milliseconds timeout(const line_context& cx, const wire_fields& m, const char* key,
                                  std::chrono::milliseconds fallback) {
  auto* v = find(m, key);
  if (!v) return fallback;
  if (!v->is_int() || v->as_int() <= 0) cx.fail(std::string("timeout \"") + key + "\" is not a positive integer");
  return std::chrono::milliseconds(v->as_int());
}

// ---- header -------------------------------------------------------------------------------------

const std::vector<std::string>& default_ignored() {
  static const std::vector<std::string> fields = {"commit_deadline_ms", "reveal_deadline_ms",
                                                  "score_commit_deadline_ms", "score_reveal_deadline_ms",
                                                  "held_out_loss"};
  return fields;
}

replay_header header_from(const line_context& cx, const wire_value& v) {
  const auto& m = as_map(cx, v, "\"replay\"");
  only_keys(cx, m,
            {"actor", "node", "jurisdiction", "solvers", "coordinators", "stake", "rounds", "steps", "modalities",
             "learning_rate", "first_round", "timeouts_ms", "model", "restart_after_line", "order", "ignore_fields"},
            "the header");
  replay_header h;
  h.ignore_fields = default_ignored();
  if (find(m, "actor")) h.actor = get_string(cx, m, "actor");
  if (h.actor != "aggregator") cx.fail("actor \"" + h.actor + "\" cannot be replayed (only \"aggregator\")");
  if (find(m, "node")) h.node = get_string(cx, m, "node");
  if (find(m, "jurisdiction")) h.jurisdiction = get_string(cx, m, "jurisdiction");
  if (auto* s = find(m, "solvers")) h.solvers = get_strings(cx, *s, "\"solvers\"");
  if (auto* c = find(m, "coordinators")) h.coordinators = get_strings(cx, *c, "\"coordinators\"");
  if (auto* s = find(m, "stake"))
    for (const auto& [node, value] : as_map(cx, *s, "\"stake\""))
      h.stake[node] = get_number(cx, value, "stake of " + node);
  if (find(m, "rounds")) h.rounds = get_int(cx, m, "rounds");
  if (h.rounds < 1) cx.fail("\"rounds\" is not positive");
  if (find(m, "steps")) h.steps = get_int(cx, m, "steps");
  if (find(m, "modalities")) h.modalities = get_string(cx, m, "modalities");
  if (!parse_modalities(h.modalities)) cx.fail("\"modalities\" is not text, visual or text,visual");
  if (auto* lr = find(m, "learning_rate")) h.learning_rate = get_number(cx, *lr, "\"learning_rate\"");
  if (find(m, "first_round")) h.first_round = get_int(cx, m, "first_round");
  if (h.first_round < 1) cx.fail("\"first_round\" is not positive");
  if (auto* t = find(m, "timeouts_ms")) {
    const auto& tm = as_map(cx, *t, "\"timeouts_ms\"");
    only_keys(cx, tm, {"commit", "reveal", "score_commit", "score_reveal"}, "\"timeouts_ms\"");
    h.commit_timeout = timeout(cx, tm, "commit", h.commit_timeout);
    h.reveal_timeout = timeout(cx, tm, "reveal", h.reveal_timeout);
    h.score_commit_timeout = timeout(cx, tm, "score_commit", h.score_commit_timeout);
    h.score_reveal_timeout = timeout(cx, tm, "score_reveal", h.score_reveal_timeout);
  }
  auto* model = find(m, "model");
  if (!model) cx.fail("the header has no \"model\"");
  const auto& mm = as_map(cx, *model, "\"model\"");
  if (auto* file = find(mm, "tensors_file")) {
    only_keys(cx, mm, {"tensors_file", "blake2b"}, "\"model\"");
    if (!file->is_string()) cx.fail("\"tensors_file\" is not a string");
    h.model = load_tensor_file(cx, file->as_string(), find(mm, "blake2b"));
  } else {
    only_keys(cx, mm, {"layout", "seed", "scale"}, "\"model\"");
    auto* layout = find(mm, "layout");
    if (!layout) cx.fail("\"model\" has neither \"layout\" nor \"tensors_file\"");
    auto* scale = find(mm, "scale");
    h.model = replay_generated_tensors(layout_from(cx, *layout), static_cast<std::uint64_t>(get_int(cx, mm, "seed")),
                                       scale ? get_number(cx, *scale, "\"scale\"") : 0.1);
  }
  if (h.model.empty()) cx.fail("the model has no tensors");
  if (auto* r = find(m, "restart_after_line")) {
    if (!r->is_int() || r->as_int() < 2) cx.fail("\"restart_after_line\" is not a line number after the header");
    h.restart_after_line = static_cast<std::size_t>(r->as_int());
  }
  if (find(m, "order")) {
    const auto order = get_string(cx, m, "order");
    if (order != "strict" && order != "relaxed") cx.fail("\"order\" is neither \"strict\" nor \"relaxed\"");
    h.strict_order = order == "strict";
  }
  if (auto* ig = find(m, "ignore_fields")) h.ignore_fields = get_strings(cx, *ig, "\"ignore_fields\"");
  return h;
}

// A plain recorded trace: the header from its first round_open (and first round_result's stake).
replay_header infer_header(const fs::path& file, const std::vector<std::pair<std::size_t, wire_fields>>& lines) {
  replay_header h;
  h.inferred = true;
  h.strict_order = false;  // the bridge may record an inbound message before an outbound one it follows
  h.ignore_fields = default_ignored();
  std::set<std::int64_t> rounds;
  bool found = false;
  for (const auto& [number, obj] : lines) {
    const line_context cx{file, number};
    auto* dir = find(obj, "dir");
    auto* type = find(obj, "type");
    if (!dir || !type || *dir != wire_value("out")) continue;
    if (*type == wire_value(round_type::open)) {
      rounds.insert(get_int(cx, obj, "round"));
      if (found) continue;
      found = true;
      wire_message msg;
      msg.type = round_type::open;
      msg.from = get_string(cx, obj, "from");
      msg.jurisdiction = get_string(cx, obj, "jurisdiction");
      msg.round = get_int(cx, obj, "round");
      auto* fields = find(obj, "fields");
      if (!fields) cx.fail("\"fields\" missing");
      msg.fields = as_map(cx, *fields, "\"fields\"");
      auto open = parse_round_open(msg);
      if (!open) cx.fail("cannot infer a header from this round_open: " + open.error());
      h.node = msg.from;
      h.jurisdiction = msg.jurisdiction;
      h.first_round = msg.round;
      h.solvers = open->solvers;
      h.coordinators = open->coordinators;
      h.steps = open->task.steps;
      h.modalities = to_string(open->task.modalities);
      h.learning_rate = open->task.learning_rate;
      // Only the differences between deadlines are known; the commit phase is taken to be as long
      // as the score-commit phase (both are training or verifying).
      h.reveal_timeout = std::chrono::milliseconds(open->reveal_deadline_ms - open->commit_deadline_ms);
      h.score_commit_timeout = std::chrono::milliseconds(open->score_commit_deadline_ms - open->reveal_deadline_ms);
      h.score_reveal_timeout =
          std::chrono::milliseconds(open->score_reveal_deadline_ms - open->score_commit_deadline_ms);
      h.commit_timeout = h.score_commit_timeout;
      h.model = in_tensors(cx, find(obj, "tensors"), {});
      if (h.model.empty()) cx.fail("the first round_open carries no model to start from");
    } else if (*type == wire_value(round_type::result) && h.stake.empty()) {
      auto* fields = find(obj, "fields");
      if (!fields || !fields->is_map()) continue;
      auto* uids = fields->find("uids");
      auto* stake = fields->find("stake");
      if (!uids || !stake || !uids->is_array() || !stake->is_array() ||
          uids->as_array().size() != stake->as_array().size())
        continue;
      for (std::size_t i = 0; i < uids->as_array().size(); ++i) {
        const auto& u = uids->as_array()[i];
        const auto& s = stake->as_array()[i];
        if (u.is_string() && (s.is_int() || s.is_float()) && s.as_number() > 0) h.stake[u.as_string()] = s.as_number();
      }
    }
  }
  if (!found)
    throw replay_script_error(file, 1, "neither a {\"replay\": ...} header nor a recorded trace with a round_open");
  h.rounds = static_cast<std::int64_t>(rounds.size());
  return h;
}

// ---- lines --------------------------------------------------------------------------------------

struct pending_commit {
  std::size_t step;
  std::string field;
  wire_fields spec;
  std::size_t line;
};

replay_step step_from(const line_context& cx, const wire_fields& obj, const replay_header& h,
                      std::vector<pending_commit>& pending, std::size_t step_index) {
  replay_step s;
  s.line = cx.line;
  if (auto* adv = find(obj, "advance_ms")) {
    only_keys(cx, obj, {"advance_ms", "comment"}, "an advance line");
    if (!adv->is_int() || adv->as_int() < 0) cx.fail("\"advance_ms\" is not a non-negative integer");
    s.kind = replay_step_kind::advance;
    s.advance_ms = adv->as_int();
    return s;
  }
  only_keys(cx, obj,
            {"t", "dir", "from", "to", "type", "jurisdiction", "round", "fields", "tensors", "expect", "comment"},
            "a message line");
  if (auto* t = find(obj, "t")) {
    if (!t->is_int() || t->as_int() < 0) cx.fail("\"t\" is not a non-negative integer");
    s.at_ms = t->as_int();
  }
  const auto dir = get_string(cx, obj, "dir");
  if (dir != "in" && dir != "out") cx.fail("\"dir\" is \"" + dir + "\", not \"in\" or \"out\"");
  s.message.type = get_string(cx, obj, "type");
  s.message.round = get_int(cx, obj, "round");
  s.message.jurisdiction = find(obj, "jurisdiction") ? get_string(cx, obj, "jurisdiction") : h.jurisdiction;
  if (find(obj, "to")) s.to = get_string(cx, obj, "to");
  wire_fields fields;
  if (auto* f = find(obj, "fields")) fields = as_map(cx, *f, "\"fields\"");

  if (dir == "in") {
    s.kind = replay_step_kind::inject;
    if (find(obj, "expect")) cx.fail("an \"in\" line has no \"expect\"");
    s.message.from = get_string(cx, obj, "from");
    for (auto& [key, value] : fields) {
      if (is_generator(value, "salt_seed")) {
        const auto salt = salt_from(cx, value, key);
        value = wire_value(wire_value::bytes(salt.begin(), salt.end()));
      } else if (is_generator(value, "commit_of")) {
        pending.push_back({step_index, key, as_map(cx, value.as_map().begin()->second, "\"commit_of\""), cx.line});
        value = wire_value(wire_value::bytes(32, 0));  // computed when injected
      }
    }
    s.message.fields = std::move(fields);
    s.message.tensors = in_tensors(cx, find(obj, "tensors"), h.model);
    return s;
  }

  s.kind = replay_step_kind::expect;
  if (auto* e = find(obj, "expect")) {
    s.expect = as_map(cx, *e, "\"expect\"");
  } else {
    s.expect = std::move(fields);
    for (const auto& f : h.ignore_fields) s.expect.erase(f);
  }
  if (auto* t = find(obj, "tensors")) {
    if (t->is_nil()) {
      s.tensors = replay_step::tensor_check::absent;
    } else {
      const auto& tm = as_map(cx, *t, "\"tensors\"");
      if (auto* field = find(tm, "hash_of_field")) {
        only_keys(cx, tm, {"hash_of_field"}, "\"tensors\"");
        if (!field->is_string()) cx.fail("\"hash_of_field\" is not a string");
        s.tensors = replay_step::tensor_check::hash_of_field;
        s.tensors_value = field->as_string();
      } else {
        // A recorded descriptor's file is not needed: the hash says it all.
        only_keys(cx, tm, {"blake2b", "file", "layout"}, "\"tensors\"");
        s.tensors = replay_step::tensor_check::hash;
        s.tensors_value = get_string(cx, tm, "blake2b");
      }
    }
  }
  return s;
}

void resolve_commitments(const fs::path& file, replay_script& script, const std::vector<pending_commit>& pending) {
  for (const auto& p : pending) {
    const line_context cx{file, p.line};
    only_keys(cx, p.spec, {"line", "node", "tensors", "solvers", "scores", "salt", "version"}, "\"commit_of\"");
    const auto target_line = static_cast<std::size_t>(get_int(cx, p.spec, "line"));
    const replay_step* target = nullptr;
    for (const auto& s : script.steps)
      if (s.line == target_line) target = &s;
    if (!target || target->kind != replay_step_kind::inject ||
        (target->message.type != round_type::reveal && target->message.type != round_type::score_reveal))
      cx.fail("\"commit_of\" line " + std::to_string(target_line) + " is not an \"in\" reveal or score_reveal");
    const auto& m = target->message;
    replay_commitment c;
    c.node = find(p.spec, "node") ? get_string(cx, p.spec, "node") : m.from;
    c.jurisdiction = m.jurisdiction;
    c.round = m.round;
    if (auto* v = find(p.spec, "version")) {
      if (!v->is_string()) cx.fail("\"version\" is not a string");
      c.version = v->as_string();
    }
    auto* salt = find(p.spec, "salt");
    if (!salt) salt = find(m.fields, "salt");
    if (!salt) cx.fail("line " + std::to_string(target_line) + " has no salt to commit to");
    c.salt = salt_from(cx, *salt, "the salt");
    if (m.type == round_type::reveal) {
      c.domain = std::string(delta_commit_domain);
      auto* t = find(p.spec, "tensors");
      c.payload_hash = blake2b_256(t ? in_tensors(cx, t, script.header.model) : m.tensors);
    } else {
      c.domain = std::string(scores_commit_domain);
      auto* sv = find(p.spec, "solvers");
      if (!sv) sv = find(m.fields, "solvers");
      auto* sc = find(p.spec, "scores");
      if (!sc) sc = find(m.fields, "scores");
      if (!sv || !sc || !sc->is_array()) cx.fail("no solvers and scores to commit to");
      std::vector<double> scores;
      for (const auto& x : sc->as_array()) scores.push_back(get_number(cx, x, "a score"));
      c.payload_hash = scores_hash(get_strings(cx, *sv, "\"solvers\""), scores);
    }
    script.steps[p.step].commitments[p.field] = c;
  }
}

}  // namespace

replay_script_error::replay_script_error(const fs::path& file, std::size_t line, const std::string& what)
    : std::runtime_error(file.string() + (line ? ":" + std::to_string(line) : "") + ": " + what), line_(line) {}

named_tensors replay_generated_tensors(const named_tensors& layout, std::uint64_t seed, double scale) {
  // splitmix64: the same values on every platform.
  std::uint64_t state = seed;
  const auto next = [&state] { return xoshiro::splitmix64(state); };
  named_tensors out;
  for (const auto& t : layout) {
    named_tensor g;
    g.name = t.name;
    g.shape = t.shape;
    auto data = std::make_shared<std::vector<float>>(static_cast<std::size_t>(t.numel()));
    for (auto& x : *data) x = static_cast<float>((static_cast<double>(next() >> 11) * 0x1.0p-53 * 2 - 1) * scale);
    g.data = std::move(data);
    out.push_back(std::move(g));
  }
  return out;
}

digest256 replay_salt(std::uint64_t seed) {
  std::string bytes = "atn-node/replay-salt/v1";
  for (int i = 0; i < 8; ++i) bytes += static_cast<char>((seed >> (8 * i)) & 0xff);
  return blake2b_256(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

replay_script read_replay_script(const fs::path& path) {
  line_reader reader(path, max_script_line_bytes);
  if (!reader.ok()) throw replay_script_error(path, 0, reader.error());
  // Every line as wire values first: a recorded trace's header is inferred from all of them.
  std::vector<std::pair<std::size_t, wire_fields>> lines;
  line_reader::line line;
  while (reader.next(line)) {
    const line_context cx{path, static_cast<std::size_t>(line.number)};
    if (line.too_long) cx.fail("line too long");
    if (line.text.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto obj = parse_trace_fields(line.text);
    if (!obj) cx.fail(obj.error());
    lines.emplace_back(cx.line, std::move(*obj));
  }
  if (!reader.ok()) throw replay_script_error(path, 0, reader.error());
  if (lines.empty()) throw replay_script_error(path, 0, "the script is empty");

  replay_script script;
  script.path = path;
  std::size_t first = 0;
  if (auto* h = find(lines[0].second, "replay")) {
    const line_context cx{path, lines[0].first};
    only_keys(cx, lines[0].second, {"replay", "comment"}, "the header line");
    script.header = header_from(cx, *h);
    first = 1;
  } else {
    script.header = infer_header(path, lines);
  }
  std::vector<pending_commit> pending;
  for (std::size_t i = first; i < lines.size(); ++i) {
    const line_context cx{path, lines[i].first};
    const auto& obj = lines[i].second;
    if (find(obj, "replay")) cx.fail("a header after the first line");
    if (find(obj, "comment") && obj.size() == 1) continue;
    script.steps.push_back(step_from(cx, obj, script.header, pending, script.steps.size()));
  }
  resolve_commitments(path, script, pending);
  if (const auto r = script.header.restart_after_line) {
    bool found = false;
    for (const auto& s : script.steps) found = found || s.line == r;
    if (!found)
      throw replay_script_error(path, lines[0].first, "\"restart_after_line\" " + std::to_string(r) + " is not a step");
  }
  return script;
}

}  // namespace atn
