// CRC-32C (Castagnoli), as used by iSCSI, ext4 and LevelDB: polynomial 0x1EDC6F41, reflected,
// initial value and final xor 0xFFFFFFFF. crc32c("123456789") == 0xE3069283.
#pragma once

#include <cstddef>
#include <cstdint>

namespace atn {

/// Extends `crc` (the result of an earlier call, or 0 to start) with `size` bytes at `data`.
/// Uses the SSE4.2 crc32 instruction when the CPU has it, else software slicing-by-8.
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size);

/// CRC-32C of `size` bytes at `data`.
inline std::uint32_t crc32c(const void* data, std::size_t size) { return crc32c_extend(0, data, size); }

/// The software (slicing-by-8) implementation, always available; for tests and comparison.
std::uint32_t crc32c_extend_software(std::uint32_t crc, const void* data, std::size_t size);

/// Whether crc32c_extend uses the SSE4.2 instruction on this CPU.
bool crc32c_hardware_available();

}  // namespace atn
