#include "messages/bridge_stats.hpp"

#include <cstdio>

namespace atn {

std::string bridge_stats::summary() const {
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "; sent=%llu (%.1f MB) unknown_sender=%llu sender_mismatch=%llu send_failures=%llu "
                "trace_failures=%llu curve_denied=%llu impersonation=%llu handshake_failed=%llu",
                static_cast<unsigned long long>(sent_messages), static_cast<double>(sent_bytes) / 1e6,
                static_cast<unsigned long long>(unknown_sender), static_cast<unsigned long long>(sender_mismatch),
                static_cast<unsigned long long>(send_failures), static_cast<unsigned long long>(trace_failures),
                static_cast<unsigned long long>(curve_denied), static_cast<unsigned long long>(impersonation),
                static_cast<unsigned long long>(handshake_failed));
  return "received: " + received.summary() + buf;
}

std::map<std::string, std::uint64_t> bridge_stats::counters() const {
  std::map<std::string, std::uint64_t> out{
      {"accepted", received.accepted},        {"accepted_bytes", received.accepted_bytes},
      {"sent_messages", sent_messages},       {"sent_bytes", sent_bytes},
      {"unknown_sender", unknown_sender},     {"sender_mismatch", sender_mismatch},
      {"curve_denied", curve_denied},         {"send_failures", send_failures},
      {"trace_failures", trace_failures},     {"impersonation", impersonation},
      {"handshake_failed", handshake_failed},
  };
  for (std::size_t i = 0; i < wire_reject_count; ++i)
    if (received.rejected[i] > 0)
      out[std::string("rejected_") + to_string(static_cast<wire_reject>(i))] = received.rejected[i];
  return out;
}

}  // namespace atn
