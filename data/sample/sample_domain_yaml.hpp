// The agent domains as YAML (data/sample/domains.yaml): the reader, and the built-in text compiled in.
#pragma once

#include "data/sample/sample_domain.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// Reads domains from YAML text of the form documented at the top of data/sample/domains.yaml.
/// Throws std::invalid_argument naming `source` (a file name, for messages), the line, the key
/// (e.g. "domains[2].scenarios[0].tools") and the bad value: a missing, unknown or mistyped key, an
/// empty list, an unknown layout, a bad colour, two domains with one name or agent directory.
std::vector<sample_domain> parse_sample_domains(std::string_view yaml, const std::string& source);

/// parse_sample_domains of a file's contents; throws std::runtime_error when it cannot be read.
std::vector<sample_domain> load_sample_domains(const std::filesystem::path& file);

/// The text of data/sample/domains.yaml, embedded at build time (cmake/embed_text.cmake).
std::string_view default_sample_domains_yaml();

}  // namespace atn
