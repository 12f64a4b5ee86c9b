// A small process-wide pool of worker threads for kernels that split their work into independent
// tasks. LibTorch's at::parallel_for is inline OpenMP code, and our sources are not compiled with
// -fopenmp, so in them it runs serially; this pool is the parallel loop they use instead.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace atn {

class task_pool {
 public:
  /// A body gets one contiguous range [begin, end) of the task indices.
  using range_body = std::function<void(std::int64_t begin, std::int64_t end)>;

  /// The pool every kernel shares; its threads start on first use and sleep when idle.
  static task_pool& shared();

  /// Runs `body` over [0, n) split into min(threads, n) contiguous ranges, the caller taking the
  /// first, and returns when all are done (rethrowing the first exception). Runs everything on the
  /// caller when threads ≤ 1, when called from inside a job, or when another caller is using the
  /// pool.
  void run(std::int64_t n, int threads, const range_body& body);

  task_pool() = default;
  ~task_pool();
  task_pool(const task_pool&) = delete;
  task_pool& operator=(const task_pool&) = delete;

 private:
  void worker_loop(int index, std::uint64_t seen);

  std::mutex busy_;  // held by the caller whose job the workers run
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  std::uint64_t generation_ = 0;
  const range_body* body_ = nullptr;
  std::int64_t n_ = 0;
  int parts_ = 0, pending_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
};

}  // namespace atn
