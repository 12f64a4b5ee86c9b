#include "runtime/util/crc32c.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

TEST_CASE("crc32c matches the published check values", "[crc32c]") {
  const std::string check = "123456789";
  CHECK(atn::crc32c(check.data(), check.size()) == 0xE3069283u);
  CHECK(atn::crc32c_extend_software(0, check.data(), check.size()) == 0xE3069283u);
  CHECK(atn::crc32c(nullptr, 0) == 0u);

  // RFC 3720 (iSCSI), appendix B.4.
  std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<unsigned char>(i);
    down[i] = static_cast<unsigned char>(31 - i);
  }
  CHECK(atn::crc32c(zeros.data(), 32) == 0x8A9136AAu);
  CHECK(atn::crc32c(ones.data(), 32) == 0x62A8AB43u);
  CHECK(atn::crc32c(up.data(), 32) == 0x46DD794Eu);
  CHECK(atn::crc32c(down.data(), 32) == 0x113FDB5Cu);
  CHECK(atn::crc32c_extend_software(0, down.data(), 32) == 0x113FDB5Cu);
}

TEST_CASE("crc32c agrees across implementations, lengths, alignments and split points", "[crc32c]") {
  std::mt19937 rng(1);
  std::vector<unsigned char> data(4096 + 16);
  for (auto& c : data) c = static_cast<unsigned char>(rng());
  for (int trial = 0; trial < 500; ++trial) {
    const std::size_t start = rng() % 16;
    const std::size_t size = rng() % 4096;
    const std::size_t split = size == 0 ? 0 : rng() % size;
    const unsigned char* p = data.data() + start;
    const std::uint32_t whole = atn::crc32c(p, size);
    CHECK(whole == atn::crc32c_extend_software(0, p, size));
    CHECK(whole == atn::crc32c_extend(atn::crc32c(p, split), p + split, size - split));
  }
  std::vector<unsigned char> big(100003);
  for (auto& c : big) c = static_cast<unsigned char>(rng());
  CHECK(atn::crc32c(big.data() + 1, big.size() - 1) == atn::crc32c_extend_software(0, big.data() + 1, big.size() - 1));
  // A flipped bit always changes it.
  std::vector<unsigned char> copy(data.begin(), data.begin() + 600);
  const std::uint32_t before = atn::crc32c(copy.data(), copy.size());
  copy[300] ^= 0x10;
  CHECK(atn::crc32c(copy.data(), copy.size()) != before);
}
