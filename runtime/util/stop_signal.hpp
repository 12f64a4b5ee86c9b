// Ctrl-C and SIGTERM as a flag a node's main loop polls, so it stops cleanly between messages.
#pragma once

#include <atomic>

namespace atn {

/// Installs SIGINT and SIGTERM handlers (once) and returns the flag they set.
const std::atomic<bool>& install_stop_signal_handlers();

}  // namespace atn
