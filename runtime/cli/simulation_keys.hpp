// The CURVE keys of a simulation's nodes: `simulate` makes each node's key pair where the node will
// load it (its state dir) and passes every node its peers' public keys.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace atn {

/// Makes (on the first run; later runs keep them) the key pair of each node in `ids` under
/// `<state>/<id>/keys/`, where `atn-node node --state-dir <state>/<id>` loads it, and returns each
/// node's public key by id. Throws std::runtime_error naming the key file it cannot make or read.
std::map<std::string, std::string> make_simulation_keys(const std::filesystem::path& state,
                                                        const std::vector<std::string>& ids);

}  // namespace atn
