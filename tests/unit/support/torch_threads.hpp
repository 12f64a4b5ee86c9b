// Runs a body with a given torch thread count and restores the previous count, even on failure.
#pragma once

#include <torch/torch.h>

namespace atn::test {

template <class F>
void with_threads(int threads, F&& body) {
  const int saved = torch::get_num_threads();
  torch::set_num_threads(threads);
  try {
    body();
  } catch (...) {
    torch::set_num_threads(saved);
    throw;
  }
  torch::set_num_threads(saved);
}

}  // namespace atn::test
