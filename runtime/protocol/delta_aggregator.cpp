#include "runtime/protocol/delta_aggregator.hpp"

#include "runtime/util/file_util.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace atn {
namespace {

std::atomic<std::uint64_t> next_instance{0};

// The kernels: plain float pointers that do not alias, so the compiler vectorizes the loops.
void add_scaled(float* __restrict dst, const float* __restrict src, float w, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dst[i] += w * src[i];
}

void scale_in_place(float* dst, float w, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dst[i] *= w;
}

// The robust rules sort each coordinate's N values with a sorting network applied to whole rows of
// a chunk (row i = delta i): every comparator is an elementwise min/max over contiguous floats, which
// vectorizes, instead of N-element sorts with unpredictable branches per coordinate.
constexpr std::size_t max_network_rows = 64;
constexpr std::size_t tile = 1024;

// Batcher's odd–even merge sort for n inputs: the network for the next power of two without the
// comparators that touch an index ≥ n (those inputs act as +∞ and never move).
std::vector<std::pair<std::size_t, std::size_t>> sorting_network(std::size_t n) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t p = 1; p < n; p <<= 1)
    for (std::size_t k = p; k >= 1; k >>= 1)
      for (std::size_t j = k % p; j + k < n; j += 2 * k)
        for (std::size_t i = 0; i < k && i + j + k < n; ++i)
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) out.emplace_back(i + j, i + j + k);
  return out;
}

void compare_rows(float* __restrict a, float* __restrict b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    // Two independent selects (not one compare feeding both): GCC turns each into minps / maxps.
    const float x = a[i], y = b[i];
    const float lo = y < x ? y : x;
    const float hi = x < y ? y : x;
    a[i] = lo;
    b[i] = hi;
  }
}

void add_row(double* __restrict sums, const float* __restrict row, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) sums[i] += row[i];
}

void mean_row(float* __restrict out, const double* __restrict sums, double count, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(sums[i] / count);
}

class file_descriptor {
 public:
  explicit file_descriptor(int fd) : fd_(fd) {}
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  file_descriptor(file_descriptor&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  file_descriptor& operator=(file_descriptor&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

file_descriptor open_or_throw(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open spill file " + path.string());
  return file_descriptor(fd);
}

void read_exact_at(int fd, void* out, std::size_t size, std::uint64_t offset, const std::filesystem::path& what) {
  auto* p = static_cast<char*>(out);
  while (size > 0) {
    const ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "read spill file " + what.string());
    if (n == 0) throw std::runtime_error("spill file " + what.string() + " is shorter than its delta");
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace

std::string to_string(aggregation_rule rule) {
  switch (rule) {
    case aggregation_rule::fedavg:
      return "fedavg";
    case aggregation_rule::trimmed_mean:
      return "trimmed_mean";
    case aggregation_rule::median:
      return "median";
  }
  return "unknown";
}

aggregation_rule parse_aggregation_rule(std::string_view text) {
  for (auto rule : {aggregation_rule::fedavg, aggregation_rule::trimmed_mean, aggregation_rule::median})
    if (text == to_string(rule)) return rule;
  throw std::invalid_argument("unknown aggregation rule '" + std::string(text) +
                              "' (expected fedavg, trimmed_mean or median)");
}

delta_aggregator::delta_aggregator(aggregator_options options)
    : options_(std::move(options)), instance_(next_instance++) {
  if (!(options_.trim_fraction >= 0 && options_.trim_fraction <= 0.5))
    throw std::invalid_argument("aggregator: trim fraction " + std::to_string(options_.trim_fraction) +
                                " is outside [0, 0.5]");
  if (options_.chunk_coordinates == 0) throw std::invalid_argument("aggregator: chunk_coordinates must be positive");
  if (options_.spill_dir.empty()) options_.spill_dir = std::filesystem::temp_directory_path();
}

delta_aggregator::~delta_aggregator() { remove_spill_files(); }

void delta_aggregator::check_layout(const named_tensors& delta) const {
  const std::string what = "delta " + std::to_string(count_);
  if (delta.size() != layout_.size())
    throw std::invalid_argument(what + ": " + std::to_string(delta.size()) + " tensors, expected " +
                                std::to_string(layout_.size()));
  for (std::size_t i = 0; i < delta.size(); ++i) {
    const auto& t = delta[i];
    if (t.name != layout_[i].name)
      throw std::invalid_argument(what + ": tensor " + std::to_string(i) + " is '" + t.name + "', expected '" +
                                  layout_[i].name + "'");
    if (t.shape != layout_[i].shape || !t.data || t.data->size() != layout_[i].size)
      throw std::invalid_argument(what + ": tensor '" + t.name + "' has the wrong shape");
  }
}

void delta_aggregator::add(const named_tensors& delta, double weight) {
  if (finished_) throw std::logic_error("aggregator: add after finish");
  if (!std::isfinite(weight) || weight < 0)
    throw std::invalid_argument("aggregator: delta " + std::to_string(count_) + " has weight " +
                                std::to_string(weight) + " (must be finite and >= 0)");
  try {
    if (count_ == 0) {
      // The first delta fixes the layout; it is forgotten again if that delta is refused.
      for (const auto& t : delta) {
        if (!t.data || static_cast<std::int64_t>(t.data->size()) != t.numel())
          throw std::invalid_argument("delta 0: tensor '" + t.name + "' has data that does not match its shape");
        layout_.push_back({t.name, t.shape, t.data->size()});
      }
    } else {
      check_layout(delta);
    }
    if (weight > 0) {
      if (options_.rule == aggregation_rule::fedavg) {
        accumulate(delta, weight);
      } else {
        spill(delta);
      }
    }
  } catch (...) {
    if (count_ == 0) layout_.clear();
    throw;
  }
  if (weight > 0) {
    ++contributing_;
    total_weight_ += weight;
  }
  ++count_;
}

void delta_aggregator::accumulate(const named_tensors& delta, double weight) {
  if (sums_.empty()) {
    // The first contribution is copied as it is (one memcpy pass, no zero fill); later ones are
    // weighted relative to it and finish() scales by w₀ / Σ wᵢ.
    first_weight_ = weight;
    sums_.reserve(layout_.size());
    for (const auto& t : delta) sums_.push_back(*t.data);
    return;
  }
  const auto w = static_cast<float>(weight / first_weight_);
  if (!std::isfinite(w))
    throw std::invalid_argument("aggregator: weight " + std::to_string(weight) + " is out of float range against " +
                                std::to_string(first_weight_));
  for (std::size_t i = 0; i < delta.size(); ++i) add_scaled(sums_[i].data(), delta[i].data->data(), w, sums_[i].size());
}

void delta_aggregator::spill(const named_tensors& delta) {
  // Sorting needs a total order: a NaN would make the result depend on where it landed.
  if (!all_finite(delta))
    throw std::invalid_argument("aggregator: delta " + std::to_string(count_) + " has non-finite values");
  const auto path = options_.spill_dir / ("atn-aggregate-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(instance_) + "-" + std::to_string(count_) + ".f32");
  auto fd = open_or_throw(path, O_WRONLY | O_CREAT | O_EXCL);
  // Scratch data: no fsync; a crash loses the round's aggregation, which restarts from the journal.
  try {
    for (const auto& t : delta) write_all(fd.get(), t.data->data(), t.data->size() * sizeof(float), path);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    throw;
  }
  spill_files_.push_back(path);
}

named_tensors delta_aggregator::finish() {
  if (finished_) throw std::logic_error("aggregator: finish called twice");
  finished_ = true;
  struct cleanup {
    delta_aggregator* self;
    ~cleanup() { self->remove_spill_files(); }
  } guard{this};
  if (count_ == 0) throw std::runtime_error("aggregator: no deltas to aggregate");
  if (contributing_ == 0)
    throw std::runtime_error("aggregator: all " + std::to_string(count_) + " deltas have weight 0");
  return options_.rule == aggregation_rule::fedavg ? finish_fedavg() : finish_robust();
}

named_tensors delta_aggregator::finish_fedavg() {
  const auto scale = static_cast<float>(first_weight_ / total_weight_);
  named_tensors out;
  out.reserve(layout_.size());
  for (std::size_t i = 0; i < layout_.size(); ++i) {
    auto& sum = sums_[i];
    scale_in_place(sum.data(), scale, sum.size());
    out.push_back({layout_[i].name, layout_[i].shape, std::make_shared<const std::vector<float>>(std::move(sum))});
  }
  sums_.clear();
  if (!all_finite(out)) throw std::runtime_error("aggregator: the weighted mean is not finite (overflow)");
  return out;
}

named_tensors delta_aggregator::finish_robust() {
  const std::size_t n = spill_files_.size();
  std::vector<file_descriptor> files;
  files.reserve(n);
  for (const auto& path : spill_files_) files.push_back(open_or_throw(path, O_RDONLY));

  std::size_t lo = 0, hi = n;  // the sorted rows that are averaged
  if (options_.rule == aggregation_rule::median) {
    lo = (n - 1) / 2;
    hi = n / 2 + 1;
  } else {
    auto trim = static_cast<std::size_t>(std::floor(options_.trim_fraction * static_cast<double>(n)));
    trim = std::min(trim, (n - 1) / 2);  // keep at least one value
    lo = trim;
    hi = n - trim;
  }
  const auto network = n <= max_network_rows ? sorting_network(n) : std::vector<std::pair<std::size_t, std::size_t>>{};
  const std::size_t chunk = options_.chunk_coordinates;
  std::vector<float> block(n * chunk);  // block[i * c + j]: delta i, coordinate j of the chunk
  std::vector<double> sums(tile);
  std::vector<float> column(n);

  named_tensors out;
  out.reserve(layout_.size());
  std::uint64_t tensor_offset = 0;  // byte offset of the tensor in every spill file
  for (const auto& t : layout_) {
    auto values = std::make_shared<std::vector<float>>(t.size);
    float* result = values->data();
    for (std::size_t start = 0; start < t.size; start += chunk) {
      const std::size_t c = std::min(chunk, t.size - start);
      for (std::size_t i = 0; i < n; ++i)
        read_exact_at(files[i].get(), block.data() + i * c, c * sizeof(float), tensor_offset + start * sizeof(float),
                      spill_files_[i]);
      if (network.empty() && n > 1) {
        // Many deltas: sort each coordinate's column instead of the network's O(N log² N) passes.
        for (std::size_t j = 0; j < c; ++j) {
          for (std::size_t i = 0; i < n; ++i) column[i] = block[i * c + j];
          std::sort(column.begin(), column.end());
          for (std::size_t i = 0; i < n; ++i) block[i * c + j] = column[i];
        }
      }
      // Tiles small enough that the network's passes over N rows stay in L1.
      for (std::size_t j0 = 0; j0 < c; j0 += tile) {
        const std::size_t len = std::min(tile, c - j0);
        for (const auto& [a, b] : network) compare_rows(&block[a * c + j0], &block[b * c + j0], len);
        std::fill_n(sums.begin(), len, 0.0);
        for (std::size_t i = lo; i < hi; ++i) add_row(sums.data(), &block[i * c + j0], len);
        mean_row(result + start + j0, sums.data(), static_cast<double>(hi - lo), len);
      }
    }
    tensor_offset += t.size * sizeof(float);
    out.push_back({t.name, t.shape, std::move(values)});
  }
  return out;
}

void delta_aggregator::remove_spill_files() noexcept {
  for (const auto& path : spill_files_) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  spill_files_.clear();
}

}  // namespace atn
