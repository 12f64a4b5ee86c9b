// `atn-node keygen [--state-dir DIR]`: makes the node's CURVE key pair once under its state dir
// (runtime/transport/curve_keys: keys/node.key, 0600, never overwritten) or shows the existing one's
// public key, which peers list for this node (`--peer ID=ENDPOINT,KEY` or a peer's `public_key:`).
#include "runtime/cli/commands.hpp"
#include "runtime/cli/ledger_access.hpp"
#include "runtime/transport/curve_keys.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace atn {

void add_keygen_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(
      "keygen", "Make the node's CURVE key pair once (or show its public key): its identity to its peers");
  sub->add_option("--state-dir", *dir,
                  "the node's state dir, as `node --state-dir` (default: $XDG_DATA_HOME/atn-node); keys go in "
                  "DIR/keys/");
  bind_command(sub, [dir] {
    ledger_location where;
    where.state_dir = *dir;
    try {
      const auto id = load_or_create_curve_identity(state_dir_of(where));
      std::cout << (id.created ? "created " : "existing ") << id.key_file.string() << "\npublic_key "
                << id.keys.public_key << "\n";
      if (id.created)
        std::cerr << "keygen: give the public key to each peer out of band; they list this node as "
                     "--peer ID=ENDPOINT,KEY or with `public_key:` in their config\n";
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "keygen: " << e.what() << "\n";
      return 1;
    }
  });
}

}  // namespace atn
