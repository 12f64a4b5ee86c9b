// Checking a ZeroMQ endpoint before use: ZeroMQ accepts a bad one on connect and then waits
// forever in silence.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace atn {

/// Why `endpoint` cannot be a peer's or a listen endpoint, or nothing when it can:
/// "tcp://HOST:PORT" (PORT 1-65535; a dotted-quad HOST has four parts of 0-255; "*" as HOST only
/// when `listening`), "ipc://PATH" or "inproc://NAME" with a non-empty PATH or NAME.
std::optional<std::string> endpoint_problem(std::string_view endpoint, bool listening = false);

}  // namespace atn
