#include "messages/bridge_stats.hpp"

#include <cstdio>

namespace atn {

std::string bridge_stats::summary() const {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "; sent=%llu (%.1f MB) unknown_sender=%llu sender_mismatch=%llu send_failures=%llu "
                "trace_failures=%llu curve_denied=%llu",
                static_cast<unsigned long long>(sent_messages), static_cast<double>(sent_bytes) / 1e6,
                static_cast<unsigned long long>(unknown_sender), static_cast<unsigned long long>(sender_mismatch),
                static_cast<unsigned long long>(send_failures), static_cast<unsigned long long>(trace_failures),
                static_cast<unsigned long long>(curve_denied));
  return "received: " + received.summary() + buf;
}

}  // namespace atn
