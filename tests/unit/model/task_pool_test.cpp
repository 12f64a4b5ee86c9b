#include "model/task_pool.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

using namespace atn;

TEST_CASE("task_pool runs every index exactly once in contiguous ranges", "[model][pool]") {
  task_pool pool;
  for (int threads : {1, 2, 3, 8}) {
    for (std::int64_t n : {1, 2, 5, 17, 100}) {
      std::vector<std::atomic<int>> hits(n);
      std::atomic<int> ranges{0};
      pool.run(n, threads, [&](std::int64_t begin, std::int64_t end) {
        CHECK(begin < end);
        ++ranges;
        for (auto i = begin; i < end; ++i) ++hits[i];
      });
      INFO("threads " << threads << " n " << n);
      for (auto& h : hits) CHECK(h.load() == 1);
      CHECK(ranges.load() == std::min<std::int64_t>(threads, n));
    }
  }
}

TEST_CASE("task_pool spreads work over threads and reuses them", "[model][pool]") {
  task_pool pool;
  for (int round = 0; round < 20; ++round) {
    std::mutex m;
    std::set<std::thread::id> ids;
    pool.run(4, 4, [&](std::int64_t, std::int64_t) {
      std::lock_guard<std::mutex> lock(m);
      ids.insert(std::this_thread::get_id());
    });
    CHECK(ids.size() == 4);
    CHECK(ids.count(std::this_thread::get_id()) == 1);  // the caller takes a share
  }
}

TEST_CASE("task_pool rethrows a worker's exception and stays usable", "[model][pool]") {
  task_pool pool;
  CHECK_THROWS_AS(pool.run(4, 4,
                           [](std::int64_t begin, std::int64_t) {
                             if (begin == 3) throw std::runtime_error("task 3 failed");
                           }),
                  std::runtime_error);
  std::atomic<int> sum{0};
  pool.run(10, 2, [&](std::int64_t begin, std::int64_t end) { sum += static_cast<int>(end - begin); });
  CHECK(sum.load() == 10);
}

TEST_CASE("task_pool runs a nested job on the caller instead of deadlocking", "[model][pool]") {
  task_pool pool;
  std::atomic<int> inner{0};
  pool.run(2, 2, [&](std::int64_t, std::int64_t) {
    pool.run(3, 2, [&](std::int64_t begin, std::int64_t end) { inner += static_cast<int>(end - begin); });
  });
  CHECK(inner.load() == 6);
}
