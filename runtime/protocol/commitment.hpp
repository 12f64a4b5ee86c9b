// Commit-reveal: the commitment a node publishes before it may reveal a delta or a score vector.
#pragma once

#include "model/named_tensors.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// Domain separators: a delta's commitment can never be replayed as a score vector's.
inline constexpr std::string_view delta_commit_domain = "atn-node/delta-commit/v1";
inline constexpr std::string_view scores_commit_domain = "atn-node/scores-commit/v1";

/// A fresh 32-byte salt from the OS's random source (libsodium randombytes_buf).
digest256 fresh_salt();

/// BLAKE2b-256(domain ‖ node ‖ jurisdiction ‖ round ‖ version ‖ payload_hash ‖ salt). Strings are
/// length-prefixed (u32 LE) so no two field splits give the same bytes; round is i64 LE; version is
/// the 32 raw bytes of the hex model version (std::invalid_argument when it is not 64 hex digits).
digest256 commitment_of(std::string_view domain, std::string_view node, std::string_view jurisdiction,
                        std::int64_t round, std::string_view version_hex, const digest256& payload_hash,
                        const digest256& salt);

/// The hash a score vector is committed by: BLAKE2b-256 over the solver ids (length-prefixed) and the
/// scores (f64 LE), in order.
digest256 scores_hash(const std::vector<std::string>& solvers, const std::vector<double>& scores);

/// Hex digits to a digest; std::invalid_argument naming the text when it is not 64 hex digits.
digest256 digest_from_hex(std::string_view hex);

}  // namespace atn
