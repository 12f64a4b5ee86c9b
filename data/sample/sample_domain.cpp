#include "data/sample/sample_domain.hpp"

#include "data/sample/sample_domain_yaml.hpp"

#include <algorithm>

namespace atn {

std::vector<std::string> sample_domain::tool_names() const {
  std::vector<std::string> names;
  auto add = [&](const std::vector<sample_tool>& tools) {
    for (const auto& t : tools)
      if (std::find(names.begin(), names.end(), t.name) == names.end()) names.push_back(t.name);
  };
  for (const auto& s : scenarios) add(s.tools);
  for (const auto& j : jobs) add(j.tools);
  return names;
}

const std::vector<sample_domain>& sample_domains() {
  static const std::vector<sample_domain> domains =
      parse_sample_domains(default_sample_domains_yaml(), "data/sample/domains.yaml (built in)");
  return domains;
}

}  // namespace atn
