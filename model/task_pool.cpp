#include "model/task_pool.hpp"

#include <algorithm>

namespace atn {
namespace {
// Set while a thread runs a share of a job: a job started from inside one runs inline.
thread_local bool in_job = false;

struct job_flag {
  job_flag() { in_job = true; }
  ~job_flag() { in_job = false; }
};

// Range `part` of `parts` contiguous ranges of [0, n) whose sizes differ by at most one.
std::pair<std::int64_t, std::int64_t> range_of(std::int64_t n, int parts, int part) {
  return {n * part / parts, n * (part + 1) / parts};
}
}  // namespace

task_pool& task_pool::shared() {
  static task_pool pool;
  return pool;
}

task_pool::~task_pool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void task_pool::run(std::int64_t n, int threads, const range_body& body) {
  if (n <= 0) return;
  const int parts = static_cast<int>(std::min<std::int64_t>(std::max(threads, 1), n));
  std::unique_lock<std::mutex> busy(busy_, std::defer_lock);
  if (parts <= 1 || in_job || !busy.try_lock()) {
    body(0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (static_cast<int>(workers_.size()) < parts - 1) {
      const int index = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, index, seen = generation_] { worker_loop(index, seen); });
    }
    body_ = &body;
    n_ = n;
    parts_ = parts;
    pending_ = parts - 1;
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  std::exception_ptr own;
  try {
    const auto [begin, end] = range_of(n, parts, 0);
    job_flag flag;
    body(begin, end);
  } catch (...) {
    own = std::current_exception();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
  body_ = nullptr;
  if (own) std::rethrow_exception(own);
  if (error_) std::rethrow_exception(error_);
}

void task_pool::worker_loop(int index, std::uint64_t seen) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    if (index >= parts_) continue;  // this job needs fewer threads
    const range_body* body = body_;
    const auto [begin, end] = range_of(n_, parts_, index);
    lock.unlock();
    std::exception_ptr failure;
    try {
      job_flag flag;
      if (begin < end) (*body)(begin, end);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (failure && !error_) error_ = failure;
    if (--pending_ == 0) done_.notify_one();
  }
}

}  // namespace atn
