// The node config file as text: the commented default written on first use, and line-level edits
// that keep every other byte (comments, order, sections parsed elsewhere) as the user left them.
#pragma once

#include <string>
#include <string_view>

namespace atn {

/// The commented config file written on first use; it parses to default_node_config().
const std::string& default_config_text();

/// `text` with `section.key` set to the plain scalar `value`: the key's line in the block-style
/// top-level `section:` keeps its indentation and trailing comment; a missing key is added as the
/// section's first entry; a missing section is appended at the end. Line endings are kept. Throws
/// std::runtime_error when the section is written in flow style (`section: {...}`).
std::string set_yaml_scalar(std::string_view text, std::string_view section, std::string_view key,
                            std::string_view value);

}  // namespace atn
