// Slot filling for the sample-data templates: "{name}" placeholders drawn from a lexicon.
#pragma once

#include "data/sample/sample_random.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// Word lists by slot name. A list named "base.field" runs parallel to the list "base": the
/// slot "{person2.email}" takes the entry of "person.email" at the index chosen for "person2".
using sample_lexicon = std::map<std::string, std::vector<std::string>, std::less<>>;

/// Expands templates such as "Book {meeting} with {person} ({person.email}) at {time}".
///
/// Placeholder syntax: '{' then a lowercase letter or '%', then [a-z0-9_.%-]*, then '}'; any other
/// brace is literal text, so JSON templates need no escaping. Forms:
/// - {name}: a slot. Its value is drawn once (from lexicon[name]), then reused, so every template
///   expanded through one sample_slots agrees on it. Trailing digits make another instance of the
///   same list ("{city}" and "{city2}" are distinct cities when the list allows).
/// - {inst.field}: the field list of the entry chosen for `inst`.
/// - {%lo-hi}: a fresh integer in [lo, hi]; a leading zero in lo pads to its width ("{%08-17}").
/// Lexicon entries may contain placeholders themselves; inside the entry chosen for "time2" an
/// undigited "{hh}" means "{hh2}", so composite slots stay independent per instance.
class sample_slots {
 public:
  /// Both references must outlive this object.
  sample_slots(const sample_lexicon& lexicon, sample_random& random);

  /// A copy of `other`'s values that draws any new ones from `random` instead, so a reader (the
  /// frame painter) never disturbs the random stream of the text it illustrates.
  sample_slots(const sample_slots& other, sample_random& random);

  /// Fixes a slot's value (context such as today's date); it is used verbatim.
  void set(const std::string& name, std::string value);

  /// The template with every placeholder replaced by its plain value.
  std::string text(std::string_view tmpl);

  /// The JSON template with every placeholder replaced by its JSON-escaped value (placeholders
  /// outside quotes must therefore expand to JSON numbers).
  std::string json(std::string_view tmpl);

  /// The value of one slot, drawing it if needed.
  std::string value(std::string_view name);

 private:
  std::string expand(std::string_view tmpl, bool json, std::string_view scope_digits, int depth);
  std::string resolve(std::string_view token, std::string_view scope_digits, int depth);
  std::size_t index_for(const std::string& instance, const std::string& base, std::size_t size);

  const sample_lexicon& lexicon_;
  sample_random& random_;
  std::map<std::string, std::string, std::less<>> fixed_;
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::size_t, std::less<>> indices_;
};

}  // namespace atn
