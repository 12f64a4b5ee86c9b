#include "runtime/ledger/emission.hpp"

#include <algorithm>

namespace atn::ledger {

std::uint64_t epoch_at(std::int64_t genesis_time, std::int64_t length, std::int64_t t) {
  if (t < genesis_time) return 1;
  return static_cast<std::uint64_t>((t - genesis_time) / length) + 1;
}

std::int64_t epoch_start(std::int64_t genesis_time, std::int64_t length, std::uint64_t n) {
  return genesis_time + static_cast<std::int64_t>(n - 1) * length;
}

amount epoch_budget(const amount& initial, std::uint32_t decay_bps, std::uint64_t n) {
  uint256 b = initial.units();
  for (std::uint64_t e = 1; e < n && !b.is_zero(); ++e) b = mul_div_floor(b, uint256(decay_bps), uint256(10000));
  return amount::from_units(b);
}

amount round_share(const amount& budget, std::uint64_t rounds) {
  if (rounds == 0) return amount();
  return amount::from_units(budget.units() / uint256(rounds));
}

std::map<address, amount> round_rewards(const amount& share, const round_result& result,
                                        const std::function<std::uint64_t(const address&)>& attested) {
  using u512 = boost::multiprecision::cpp_int;  // W may exceed 256 bits in principle; sum unbounded
  u512 total = 0;
  for (const auto& s : result.solvers) total += u512(s.weight);
  for (const auto& c : result.coordinators) total += u512(c.weight);
  std::map<address, amount> out;
  if (total == 0 || share.is_zero()) return out;
  const auto pay = [&](const address& who, const u512& weight) {
    const u512 r = u512(share.units()) * weight / total;  // ≤ share, fits 256 bits
    if (r == 0) return;
    out[who] += amount::from_units(uint256(r));
  };
  for (const auto& s : result.solvers) {
    if (s.units == 0) continue;
    const std::uint64_t a = std::min(attested(s.who), s.units);
    pay(s.who, u512(s.weight) * a / s.units);
  }
  for (const auto& c : result.coordinators) pay(c.who, u512(c.weight));
  return out;
}

}  // namespace atn::ledger
