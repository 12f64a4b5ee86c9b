// A minimal streaming writer of compact JSON with a fixed key order (so output is reproducible).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// Builds one compact JSON text. Commas are placed automatically; the caller keeps the nesting
/// balanced. Keys appear in the order they are written.
class sample_json_writer {
 public:
  /// Opens an object (as a value, or at the top).
  sample_json_writer& begin_object();
  /// Closes the innermost object.
  sample_json_writer& end_object();
  /// Opens an array.
  sample_json_writer& begin_array();
  /// Closes the innermost array.
  sample_json_writer& end_array();
  /// Writes an object key; the next call writes its value.
  sample_json_writer& key(std::string_view name);
  /// Writes a string value, escaped.
  sample_json_writer& string(std::string_view value);
  /// Writes an integer value.
  sample_json_writer& number(std::int64_t value);
  /// Writes a boolean value.
  sample_json_writer& boolean(bool value);
  /// Writes null.
  sample_json_writer& null();
  /// Writes a value that is already JSON text (trusted to be valid).
  sample_json_writer& raw(std::string_view json);

  /// The text written so far.
  const std::string& str() const { return out_; }

  /// `json` without the whitespace between its tokens (strings are left as they are).
  static std::string minify(std::string_view json);

  /// `value` escaped for use between JSON double quotes (control characters as \uXXXX).
  static std::string escape(std::string_view value);

 private:
  void before_value();

  std::string out_;
  std::vector<bool> need_comma_;
  bool after_key_ = false;
};

}  // namespace atn
