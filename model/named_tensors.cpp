#include "model/named_tensors.hpp"

#include "data/hex.hpp"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace atn {
namespace {

static_assert(sizeof(float) == 4, "float32 expected");

void append_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void append_i64(std::vector<std::uint8_t>& out, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
}

// Header of one tensor in canonical form (name and shape); values follow as raw little-endian.
std::vector<std::uint8_t> tensor_header(const named_tensor& t) {
  std::vector<std::uint8_t> out;
  append_u32(out, static_cast<std::uint32_t>(t.name.size()));
  out.insert(out.end(), t.name.begin(), t.name.end());
  append_u32(out, static_cast<std::uint32_t>(t.shape.size()));
  for (auto d : t.shape) append_i64(out, d);
  return out;
}

template <class Op>
named_tensors zip(const named_tensors& a, const named_tensors& b, const char* what, Op op) {
  require_same_layout(a, b, what);
  named_tensors out;
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = *a[i].data;
    const auto& y = *b[i].data;
    auto r = std::make_shared<std::vector<float>>(x.size());
    float* o = r->data();
    for (std::size_t j = 0; j < x.size(); ++j) o[j] = op(x[j], y[j]);
    out.push_back({a[i].name, a[i].shape, std::move(r)});
  }
  return out;
}

void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

std::int64_t named_tensor::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

void canonicalize(named_tensors& tensors) {
  std::sort(tensors.begin(), tensors.end(),
            [](const named_tensor& a, const named_tensor& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    if (i > 0 && tensors[i - 1].name == t.name) throw std::invalid_argument("duplicate tensor name '" + t.name + "'");
    if (!t.data || static_cast<std::int64_t>(t.data->size()) != t.numel())
      throw std::invalid_argument("tensor '" + t.name + "' has data that does not match its shape");
  }
}

std::vector<std::uint8_t> canonical_bytes(const named_tensors& tensors) {
  std::vector<std::uint8_t> out;
  for (const auto& t : tensors) {
    auto header = tensor_header(t);
    out.insert(out.end(), header.begin(), header.end());
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(t.data->data());
    out.insert(out.end(), bytes, bytes + t.data->size() * sizeof(float));  // x86/ARM: little-endian
  }
  return out;
}

digest256 blake2b_256(const named_tensors& tensors) {
  ensure_sodium();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  for (const auto& t : tensors) {
    auto header = tensor_header(t);
    crypto_generichash_update(&state, header.data(), header.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(t.data->data()),
                              t.data->size() * sizeof(float));
  }
  digest256 out;
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

digest256 blake2b_256(const std::uint8_t* data, std::size_t size) {
  ensure_sodium();
  digest256 out;
  crypto_generichash(out.data(), out.size(), data, size, nullptr, 0);
  return out;
}

std::string to_hex(const digest256& digest) { return to_hex(digest.data(), digest.size()); }

void require_same_layout(const named_tensors& a, const named_tensors& b, const std::string& what) {
  if (a.size() != b.size())
    throw std::invalid_argument(what + ": " + std::to_string(a.size()) + " tensors against " +
                                std::to_string(b.size()));
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name)
      throw std::invalid_argument(what + ": tensor " + std::to_string(i) + " is '" + b[i].name + "', expected '" +
                                  a[i].name + "'");
    if (a[i].shape != b[i].shape || !b[i].data || b[i].data->size() != a[i].data->size())
      throw std::invalid_argument(what + ": tensor '" + a[i].name + "' has the wrong shape");
  }
}

named_tensors subtract(const named_tensors& online, const named_tensors& base) {
  return zip(online, base, "delta", [](float x, float y) { return x - y; });
}

named_tensors add(const named_tensors& base, const named_tensors& delta) {
  return zip(base, delta, "apply delta", [](float x, float y) { return x + y; });
}

double squared_norm(const named_tensors& tensors) {
  double sum = 0;
  for (const auto& t : tensors)
    for (float v : *t.data) sum += static_cast<double>(v) * v;
  return sum;
}

bool all_finite(const named_tensors& tensors) {
  for (const auto& t : tensors)
    for (float v : *t.data)
      if (!std::isfinite(v)) return false;
  return true;
}

std::int64_t total_numel(const named_tensors& tensors) {
  std::int64_t n = 0;
  for (const auto& t : tensors) n += t.numel();
  return n;
}

}  // namespace atn
