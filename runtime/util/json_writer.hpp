// A small streaming JSON writer for the commands' --json output (one object, one line).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view name);
  json_writer& value(double v);      ///< "%.17g"; NaN and infinities become null
  json_writer& value(std::int64_t v);
  json_writer& value(std::uint64_t v);
  json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  json_writer& value(bool v);
  json_writer& value(std::string_view v);
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& null();
  const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

/// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace atn
