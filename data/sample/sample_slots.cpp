#include "data/sample/sample_slots.hpp"

#include "data/sample/sample_json_writer.hpp"

#include <stdexcept>

namespace atn {

namespace {
bool is_lead(char c) { return (c >= 'a' && c <= 'z') || c == '%'; }
bool is_body(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '%' || c == '-';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "{%lo-hi}" without the braces and the '%'.
std::string random_integer(std::string_view spec, sample_random& random) {
  const auto dash = spec.find('-', 1);
  if (dash == std::string_view::npos) throw std::logic_error("bad range slot {%" + std::string(spec) + "}");
  const std::string lo_text(spec.substr(0, dash));
  const std::string hi_text(spec.substr(dash + 1));
  const long long lo = std::stoll(lo_text);
  const long long hi = std::stoll(hi_text);
  std::string out = std::to_string(random.between(lo, hi));
  if (lo_text.size() > 1 && lo_text[0] == '0')
    while (out.size() < lo_text.size()) out.insert(out.begin(), '0');
  return out;
}
}  // namespace

sample_slots::sample_slots(const sample_lexicon& lexicon, sample_random& random) : lexicon_(lexicon), random_(random) {}

sample_slots::sample_slots(const sample_slots& other, sample_random& random)
    : lexicon_(other.lexicon_),
      random_(random),
      fixed_(other.fixed_),
      values_(other.values_),
      indices_(other.indices_) {}

void sample_slots::set(const std::string& name, std::string value) { fixed_[name] = std::move(value); }

std::string sample_slots::text(std::string_view tmpl) { return expand(tmpl, false, {}, 0); }

std::string sample_slots::json(std::string_view tmpl) { return expand(tmpl, true, {}, 0); }

std::string sample_slots::value(std::string_view name) { return resolve(name, {}, 0); }

std::string sample_slots::expand(std::string_view tmpl, bool json, std::string_view scope_digits, int depth) {
  if (depth > 8) throw std::logic_error("sample template nests too deeply: " + std::string(tmpl));
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const char c = tmpl[i];
    if (c == '{' && i + 1 < tmpl.size() && is_lead(tmpl[i + 1])) {
      std::size_t j = i + 1;
      while (j < tmpl.size() && is_body(tmpl[j])) ++j;
      if (j < tmpl.size() && tmpl[j] == '}') {
        const std::string_view token = tmpl.substr(i + 1, j - i - 1);
        std::string v =
            token[0] == '%' ? random_integer(token.substr(1), random_) : resolve(token, scope_digits, depth);
        out += json ? sample_json_writer::escape(v) : v;
        i = j + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

std::string sample_slots::resolve(std::string_view token, std::string_view scope_digits, int depth) {
  // Context values are global: they ignore the scope of the entry they appear in.
  if (auto it = fixed_.find(token); it != fixed_.end()) return it->second;
  // Split "inst.field"; an undigited instance inherits the digits of the entry it sits in.
  const auto dot = token.find('.');
  std::string instance(token.substr(0, dot));
  const std::string field = dot == std::string_view::npos ? std::string() : std::string(token.substr(dot + 1));
  if (!instance.empty() && !is_digit(instance.back())) instance += scope_digits;
  std::string full = field.empty() ? instance : instance + "." + field;

  if (auto it = values_.find(full); it != values_.end()) return it->second;

  std::size_t cut = instance.size();
  while (cut > 0 && is_digit(instance[cut - 1])) --cut;
  const std::string base = instance.substr(0, cut);
  const std::string digits = instance.substr(cut);

  auto base_list = lexicon_.find(base);
  if (base_list == lexicon_.end())
    throw std::logic_error("sample template uses unknown slot {" + std::string(token) + "}");
  const std::vector<std::string>* list = &base_list->second;
  if (!field.empty()) {
    auto field_list = lexicon_.find(base + "." + field);
    if (field_list == lexicon_.end() || field_list->second.size() != list->size())
      throw std::logic_error("sample lexicon has no parallel list " + base + "." + field);
    list = &field_list->second;
  }
  const std::size_t index = index_for(instance, base, list->size());
  std::string v = expand((*list)[index], false, digits, depth + 1);
  values_[full] = v;
  return v;
}

std::size_t sample_slots::index_for(const std::string& instance, const std::string& base, std::size_t size) {
  if (auto it = indices_.find(instance); it != indices_.end()) return it->second;
  if (size == 0) throw std::logic_error("sample lexicon list " + base + " is empty");
  // Prefer an entry no sibling instance ("city" vs "city2") already took.
  std::size_t index = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    index = static_cast<std::size_t>(random_.below(size));
    bool taken = false;
    for (const auto& [name, other] : indices_) {
      if (other != index || name == instance) continue;
      std::size_t cut = name.size();
      while (cut > 0 && is_digit(name[cut - 1])) --cut;
      if (name.compare(0, cut, base) == 0 && cut == base.size()) taken = true;
    }
    if (!taken) break;
  }
  indices_[instance] = index;
  return index;
}

}  // namespace atn
