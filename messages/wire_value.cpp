#include "messages/wire_value.hpp"

namespace atn {

double wire_value::as_number() const {
  if (is_int()) return static_cast<double>(as_int());
  return std::get<double>(data_);
}

const wire_value* wire_value::find(const std::string& key) const {
  const auto* m = std::get_if<map>(&data_);
  if (m == nullptr) return nullptr;
  auto it = m->find(key);
  return it == m->end() ? nullptr : &it->second;
}

const char* wire_value::type_name() const {
  static const char* const names[] = {"nil", "bool", "int", "float", "string", "bytes", "array", "map"};
  return names[data_.index()];
}

}  // namespace atn
