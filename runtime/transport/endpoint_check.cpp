#include "runtime/transport/endpoint_check.hpp"

#include <algorithm>
#include <cctype>

namespace atn {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A number of at most `max`, without overflowing on a long run of digits.
bool number_up_to(std::string_view s, unsigned long max) {
  if (!all_digits(s) || s.size() > 6) return false;
  return std::stoul(std::string(s)) <= max;
}

std::optional<std::string> host_problem(std::string_view host, bool listening) {
  if (host.empty()) return "no host";
  if (host == "*") return listening ? std::nullopt : std::optional<std::string>("'*' is for listening, not a peer");
  // All digits and dots: an IPv4 address, four parts of 0-255.
  if (std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isdigit(c) != 0 || c == '.'; })) {
    int parts = 0;
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = host.find('.', start);
      const std::string_view part = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
      if (!number_up_to(part, 255)) return "'" + std::string(host) + "' is not an IPv4 address (parts 0-255)";
      ++parts;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    if (parts != 4) return "'" + std::string(host) + "' is not an IPv4 address (four parts)";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> endpoint_problem(std::string_view endpoint, bool listening) {
  const auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string_view::npos) return "no transport (expected tcp://, ipc:// or inproc://)";
  const std::string_view scheme = endpoint.substr(0, scheme_end);
  const std::string_view rest = endpoint.substr(scheme_end + 3);
  if (scheme == "ipc" || scheme == "inproc") {
    if (rest.empty()) return "no " + std::string(scheme == "ipc" ? "path" : "name");
    return std::nullopt;
  }
  if (scheme != "tcp") return "transport '" + std::string(scheme) + "' is not tcp, ipc or inproc";
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return "no port (expected tcp://HOST:PORT)";
  const std::string_view port = rest.substr(colon + 1);
  if (!number_up_to(port, 65535) || std::stoul(std::string(port)) == 0)
    return "port '" + std::string(port) + "' is not 1-65535";
  std::string_view host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return std::nullopt;  // IPv6 literal
  return host_problem(host, listening);
}

}  // namespace atn
