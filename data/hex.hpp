#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Lower-case hex of bytes (digests, file heads) and back, through libsodium's constant-time codecs.
namespace atn {

std::string to_hex(const std::uint8_t* bytes, std::size_t size);
std::string to_hex(std::string_view bytes);

/// Decodes exactly `size` bytes from `hex` (2·size hex digits, either case, nothing else) through
/// sodium_hex2bin; false when `hex` is anything else, `out` then undefined.
bool from_hex(std::string_view hex, std::uint8_t* out, std::size_t size);

}  // namespace atn
