// The outcome of reading untrusted input (a round message, a trace line, a script, a stored reason):
// the value, or an error text naming what was wrong. Parsers return it instead of filling an
// optional and a `std::string& error` out-parameter, so a caller cannot read one without the other.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace atn {

template <class T>
class parse_result {
 public:
  parse_result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, so `return value;` reads
  static parse_result failure(std::string error) { return parse_result(std::move(error), 0); }

  explicit operator bool() const { return value_.has_value(); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }
  /// Why the input was refused; empty when it was read.
  const std::string& error() const { return error_; }

 private:
  parse_result(std::string error, int) : error_(std::move(error)) {}
  std::optional<T> value_;
  std::string error_;
};

}  // namespace atn
