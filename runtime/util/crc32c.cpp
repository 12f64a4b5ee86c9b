#include "runtime/util/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#define ATN_CRC32C_X86 1
#endif

namespace atn {
namespace {

constexpr std::uint32_t reflected_polynomial = 0x82F63B78u;

// table[k][b]: CRC of byte b followed by k zero bytes, for slicing-by-8.
using crc_tables = std::array<std::array<std::uint32_t, 256>, 8>;

crc_tables make_tables() {
  crc_tables t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ (reflected_polynomial & (0u - (c & 1u)));
    t[0][b] = c;
  }
  for (std::uint32_t b = 0; b < 256; ++b)
    for (std::size_t k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  return t;
}

const crc_tables& tables() {
  static const crc_tables t = make_tables();
  return t;
}

std::uint64_t load_le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

#ifdef ATN_CRC32C_X86
// Appending n zero bytes to a raw (not inverted) CRC register is linear, so it is four table
// lookups: shift_table<n>[k][b] is the effect of byte b at position k of the register.
using shift_table = std::array<std::array<std::uint32_t, 256>, 4>;

shift_table make_shift_table(std::size_t zero_bytes) {
  const auto& t = tables();
  shift_table s{};
  for (std::size_t k = 0; k < 4; ++k)
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t c = b << (8 * k);
      for (std::size_t i = 0; i < zero_bytes; ++i) c = (c >> 8) ^ t[0][c & 0xFFu];
      s[k][b] = c;
    }
  return s;
}

std::uint32_t shift(const shift_table& s, std::uint32_t c) {
  return s[0][c & 0xFF] ^ s[1][(c >> 8) & 0xFF] ^ s[2][(c >> 16) & 0xFF] ^ s[3][c >> 24];
}

// The crc32 instruction has a latency of 3 cycles and a throughput of 1 per cycle: three
// independent streams over adjacent blocks of `block` bytes, joined by shifting, run ~2x faster
// than one stream; block sizes cascade so records of a few hundred bytes benefit too.
template <std::size_t block>
__attribute__((target("sse4.2"))) std::uint64_t three_streams(std::uint64_t c0, const unsigned char*& p,
                                                              std::size_t& n) {
  static const shift_table table = make_shift_table(block);
  while (n >= 3 * block) {
    std::uint64_t c1 = 0, c2 = 0;
    for (std::size_t i = 0; i < block; i += 8) {
      std::uint64_t w0, w1, w2;
      std::memcpy(&w0, p + i, 8);
      std::memcpy(&w1, p + block + i, 8);
      std::memcpy(&w2, p + 2 * block + i, 8);
      c0 = _mm_crc32_u64(c0, w0);
      c1 = _mm_crc32_u64(c1, w1);
      c2 = _mm_crc32_u64(c2, w2);
    }
    c0 = shift(table, static_cast<std::uint32_t>(c0)) ^ static_cast<std::uint32_t>(c1);
    c0 = shift(table, static_cast<std::uint32_t>(c0)) ^ static_cast<std::uint32_t>(c2);
    p += 3 * block;
    n -= 3 * block;
  }
  return c0;
}

__attribute__((target("sse4.2"))) std::uint32_t extend_sse42(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  std::uint32_t c = ~crc;
  while (n > 0 && (reinterpret_cast<std::uintptr_t>(p) & 7u) != 0) {
    c = _mm_crc32_u8(c, *p++);
    --n;
  }
  std::uint64_t c64 = c;
  c64 = three_streams<1024>(c64, p, n);
  c64 = three_streams<128>(c64, p, n);
  c64 = three_streams<32>(c64, p, n);
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c64 = _mm_crc32_u64(c64, word);
    p += 8;
    n -= 8;
  }
  c = static_cast<std::uint32_t>(c64);
  while (n >= 4) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    c = _mm_crc32_u32(c, word);
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    c = _mm_crc32_u8(c, *p++);
    --n;
  }
  return ~c;
}

bool detect_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

}  // namespace

std::uint32_t crc32c_extend_software(std::uint32_t crc, const void* data, std::size_t size) {
  const auto& t = tables();
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  while (size >= 8) {
    const std::uint64_t w = load_le64(p) ^ c;
    c = t[7][w & 0xFF] ^ t[6][(w >> 8) & 0xFF] ^ t[5][(w >> 16) & 0xFF] ^ t[4][(w >> 24) & 0xFF] ^
        t[3][(w >> 32) & 0xFF] ^ t[2][(w >> 40) & 0xFF] ^ t[1][(w >> 48) & 0xFF] ^ t[0][w >> 56];
    p += 8;
    size -= 8;
  }
  while (size-- > 0) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFFu];
  return ~c;
}

bool crc32c_hardware_available() {
#ifdef ATN_CRC32C_X86
  static const bool available = detect_sse42();
  return available;
#else
  return false;
#endif
}

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size) {
#ifdef ATN_CRC32C_X86
  if (crc32c_hardware_available()) return extend_sse42(crc, static_cast<const unsigned char*>(data), size);
#endif
  return crc32c_extend_software(crc, data, size);
}

}  // namespace atn
