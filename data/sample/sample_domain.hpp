// The agent domains of the synthetic sample data: vocabulary, tools, phrasing and look. The data
// itself is data/sample/domains.yaml (read by sample_domain_yaml.hpp).
#pragma once

#include "data/frame_renderer.hpp"
#include "data/sample/sample_slots.hpp"

#include <string>
#include <vector>

namespace atn {

/// Which screen layout a domain's frames use.
enum class sample_layout { calendar, mail, code, finance, health, travel };

/// One tool call: its name and JSON templates for its input object and its result.
struct sample_tool {
  std::string name;
  std::string input;   ///< JSON object template
  std::string result;  ///< JSON template: an object or a string
};

/// A user line and the assistant's answer to it (no tool use).
struct sample_exchange {
  std::string user;
  std::string assistant;
};

/// One kind of request a user makes of an agent, with everything the agent says and does for it.
struct sample_scenario {
  std::vector<std::string> asks;            ///< user phrasings of the request
  std::string clarify_question;             ///< assistant question before acting ("" = none)
  std::string clarify_answer;               ///< the user's answer, which then triggers the execution
  std::string plan;                         ///< the first cognitive step's reasoning
  std::vector<sample_tool> tools;           ///< tool calls, in order
  std::vector<std::string> replies;         ///< assistant replies after success
  std::vector<sample_exchange> follow_ups;  ///< optional questions about the result
};

/// An execution with no conversation: a scheduled run or a webhook.
struct sample_job {
  std::string trigger;  ///< "schedule" or "webhook"
  std::string plan;
  std::vector<sample_tool> tools;
  std::string summary;  ///< the final cognitive step's text
};

/// A domain's colours, used by its frames.
struct sample_palette {
  rgb_color title_bar, title_text, background, panel, accent, accent2, text, muted;
};

/// One agent domain.
struct sample_domain {
  std::string name;          ///< "calendar", "mail", ...
  std::string agent_id;      ///< directory name under atn/agents/
  std::string app_name;      ///< drawn in the frames' title bar
  std::string source_id;     ///< frame source: "browser" or "screen"
  std::string window_title;  ///< template
  std::string url;           ///< template; "" for non-browser frames
  sample_layout layout = sample_layout::calendar;
  sample_palette palette{};
  sample_lexicon lexicon;                    ///< the shared lists plus the domain's own
  std::vector<std::string> openers;          ///< system turns that may open a session
  std::vector<std::string> tool_errors;      ///< error messages of failed tool steps
  std::vector<std::string> failure_replies;  ///< assistant after a failure; may use {error}
  std::vector<sample_exchange> closings;     ///< how a session may end
  std::vector<sample_scenario> scenarios;
  std::vector<sample_job> jobs;

  /// Every tool name the domain uses, each once, in order of first appearance.
  std::vector<std::string> tool_names() const;
};

/// The built-in domains (data/sample/domains.yaml, compiled in): calendar, mail, code, finance,
/// health and travel, in that order.
const std::vector<sample_domain>& sample_domains();

}  // namespace atn
