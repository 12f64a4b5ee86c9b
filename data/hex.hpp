#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Lower-case hex of bytes (digests, file heads), through libsodium's constant-time sodium_bin2hex.
namespace atn {

std::string to_hex(const std::uint8_t* bytes, std::size_t size);
std::string to_hex(std::string_view bytes);

}  // namespace atn
