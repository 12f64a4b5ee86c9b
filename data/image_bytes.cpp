#include "data/image_bytes.hpp"

#include "data/input_report.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace atn {

std::optional<rgb_image> decode_image_bytes(const void* data, std::size_t size, std::string_view shown,
                                            input_report& report) {
  const int fd = ::memfd_create("atn-frame", MFD_CLOEXEC);
  if (fd < 0) {
    report.problem("unreadable_file", shown, 0, std::string("memfd_create failed: ") + std::strerror(errno));
    return std::nullopt;
  }
  const auto* p = static_cast<const char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      report.problem("unreadable_file", shown, 0, std::string("memory file write failed: ") + std::strerror(errno));
      ::close(fd);
      return std::nullopt;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  // decode_image logs its detail against the memory file; count the verdict against the real source.
  input_report local;
  auto image = decode_image("/proc/self/fd/" + std::to_string(fd), local);
  ::close(fd);
  for (const auto& [kind, count] : local.counts())
    for (std::uint64_t i = 0; i < count; ++i) report.problem(kind, shown, 0, "image bytes rejected (" + kind + ")");
  return image;
}

}  // namespace atn
