#include "runtime/util/stop_signal.hpp"

#include <csignal>

namespace atn {
namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) { stop_requested.store(true); }

}  // namespace

const std::atomic<bool>& install_stop_signal_handlers() {
  static const bool installed = [] {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    return true;
  }();
  (void)installed;
  return stop_requested;
}

}  // namespace atn
