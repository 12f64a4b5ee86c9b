// The kernels' matrix products against LibTorch's, in every split the thread pool can take.
#include "model/cpu_blas.hpp"
#include "tests/unit/support/torch_threads.hpp"

#include <catch2/catch.hpp>

using namespace atn;

namespace {
using test::with_threads;

// An m×k operand, stored transposed when `transposed`.
torch::Tensor operand(std::int64_t rows, std::int64_t cols, bool transposed) {
  return transposed ? torch::randn({cols, rows}).t() : torch::randn({rows, cols});
}
}  // namespace

TEST_CASE("cpu_mm matches torch::mm for every layout and split", "[model][blas]") {
  torch::manual_seed(21);
  struct shape {
    std::int64_t m, n, k;
  };
  // Tall (row split), wide (column split), long reduction (k split), small (one thread), uneven.
  for (auto s : {shape{300, 40, 50}, shape{40, 300, 50}, shape{24, 16, 700}, shape{5, 7, 3}, shape{129, 131, 65}}) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        auto a = operand(s.m, s.k, ta), b = operand(s.k, s.n, tb);
        auto ref = torch::mm(a, b);
        for (int threads : {1, 2, 3}) {
          with_threads(threads, [&] {
            INFO(s.m << "x" << s.n << "x" << s.k << " ta " << ta << " tb " << tb << " threads " << threads);
            CHECK(torch::allclose(cpu_mm(a, b), ref, 1e-4, 1e-4));
            // beta = 1 accumulates into an output with a row stride wider than its width.
            auto wide = torch::randn({s.m, s.n + 5});
            auto out = wide.narrow(1, 0, s.n);
            auto expected = out + ref;
            cpu_mm_into(out, a, b, 1.0f);
            CHECK(torch::allclose(out, expected, 1e-4, 1e-4));
          });
        }
      }
    }
  }
}

TEST_CASE("cpu_mm handles an empty reduction and rejects mismatched shapes", "[model][blas]") {
  auto out = torch::full({3, 4}, 7.0f);
  cpu_mm_into(out, torch::empty({3, 0}), torch::empty({0, 4}));
  CHECK(torch::all(out == 0).item<bool>());
  CHECK_THROWS(cpu_mm(torch::randn({3, 4}), torch::randn({5, 2})));
}

TEST_CASE("cpu_linear adds the bias and the residual", "[model][blas]") {
  torch::manual_seed(22);
  auto x = torch::randn({50, 12}), w = torch::randn({9, 12}), bias = torch::randn({9}), res = torch::randn({50, 9});
  with_threads(2, [&] {
    CHECK(torch::allclose(cpu_linear(x, w, bias), torch::addmm(bias, x, w.t()), 1e-4, 1e-5));
    CHECK(torch::allclose(cpu_linear(x, w, bias, res), res + torch::addmm(bias, x, w.t()), 1e-4, 1e-5));
    CHECK(torch::allclose(cpu_linear(x, w, torch::Tensor()), torch::mm(x, w.t()), 1e-4, 1e-5));
  });
}
