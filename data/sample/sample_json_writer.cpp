#include "data/sample/sample_json_writer.hpp"

#include <stdexcept>

namespace atn {

void sample_json_writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!need_comma_.empty()) {
    if (need_comma_.back()) out_ += ',';
    need_comma_.back() = true;
  }
}

sample_json_writer& sample_json_writer::begin_object() {
  before_value();
  out_ += '{';
  need_comma_.push_back(false);
  return *this;
}

sample_json_writer& sample_json_writer::end_object() {
  if (need_comma_.empty()) throw std::logic_error("sample_json_writer: unbalanced end_object");
  need_comma_.pop_back();
  out_ += '}';
  return *this;
}

sample_json_writer& sample_json_writer::begin_array() {
  before_value();
  out_ += '[';
  need_comma_.push_back(false);
  return *this;
}

sample_json_writer& sample_json_writer::end_array() {
  if (need_comma_.empty()) throw std::logic_error("sample_json_writer: unbalanced end_array");
  need_comma_.pop_back();
  out_ += ']';
  return *this;
}

sample_json_writer& sample_json_writer::key(std::string_view name) {
  before_value();
  out_ += '"';
  out_ += escape(name);
  out_ += "\":";
  after_key_ = true;
  return *this;
}

sample_json_writer& sample_json_writer::string(std::string_view value) {
  before_value();
  out_ += '"';
  out_ += escape(value);
  out_ += '"';
  return *this;
}

sample_json_writer& sample_json_writer::number(std::int64_t value) {
  before_value();
  out_ += std::to_string(value);
  return *this;
}

sample_json_writer& sample_json_writer::boolean(bool value) {
  before_value();
  out_ += value ? "true" : "false";
  return *this;
}

sample_json_writer& sample_json_writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

sample_json_writer& sample_json_writer::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

std::string sample_json_writer::minify(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      out += c;
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      out += c;
    }
  }
  return out;
}

std::string sample_json_writer::escape(std::string_view value) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size() + 8);
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out;
}

}  // namespace atn
