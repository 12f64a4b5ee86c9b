#include "runtime/protocol/round_report_json.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace atn {

namespace {

// -1 means "not measured"; a NaN (written as null) reads back as the same "not measured".
double number_or_unmeasured(const nlohmann::json& j) { return j.is_null() ? -1.0 : j.get<double>(); }

// A line `{"<tag>": {...}}` read as T, or the refusal "not a <tag> line: …".
template <class T>
parse_result<T> parse_tagged_line(std::string_view line, const char* tag) {
  try {
    return nlohmann::json::parse(line).at(tag).template get<T>();
  } catch (const std::exception& e) {
    return parse_result<T>::failure(std::string("not a ") + tag + " line: " + e.what());
  }
}

}  // namespace

void to_json(nlohmann::json& j, const round_report& r) {
  auto rejected = nlohmann::json::object();
  for (const auto& [node, why] : r.rejected) rejected[node] = to_string(why);
  j = nlohmann::json{
      {"jurisdiction", r.jurisdiction},
      {"round", r.round},
      {"previous_version", r.previous_version},
      {"version", r.version},
      {"held_out_loss", r.held_out_loss},
      {"held_out_cosine", r.held_out_cosine},
      {"commits", r.commits},
      {"reveals", r.reveals},
      {"score_reveals", r.score_reveals},
      {"samples", r.samples},
      {"accepted", r.accepted},
      {"rejected", std::move(rejected)},
      {"uids", r.uids},
      {"stake", r.stake},
      {"consensus", r.consensus},
      {"incentive", r.incentive},
      {"dividends", r.dividends},
      {"server_emission", r.server_emission},
      {"validator_emission", r.validator_emission},
      {"train_seconds", r.train_seconds},
      {"protocol_seconds", r.protocol_seconds},
      {"aggregate_seconds", r.aggregate_seconds},
      {"verify_seconds", r.verify_seconds},
  };
}

void from_json(const nlohmann::json& j, round_report& r) {
  j.at("jurisdiction").get_to(r.jurisdiction);
  j.at("round").get_to(r.round);
  j.at("previous_version").get_to(r.previous_version);
  j.at("version").get_to(r.version);
  r.held_out_loss = number_or_unmeasured(j.at("held_out_loss"));
  r.held_out_cosine = number_or_unmeasured(j.at("held_out_cosine"));
  j.at("commits").get_to(r.commits);
  j.at("reveals").get_to(r.reveals);
  j.at("score_reveals").get_to(r.score_reveals);
  j.at("samples").get_to(r.samples);
  j.at("accepted").get_to(r.accepted);
  r.rejected.clear();
  for (const auto& [node, why] : j.at("rejected").items()) {
    auto reason = parse_reject_reason(why.get<std::string>());
    if (!reason) throw std::invalid_argument(reason.error());
    r.rejected.emplace(node, *reason);
  }
  j.at("uids").get_to(r.uids);
  j.at("stake").get_to(r.stake);
  j.at("consensus").get_to(r.consensus);
  j.at("incentive").get_to(r.incentive);
  j.at("dividends").get_to(r.dividends);
  j.at("server_emission").get_to(r.server_emission);
  j.at("validator_emission").get_to(r.validator_emission);
  j.at("train_seconds").get_to(r.train_seconds);
  j.at("protocol_seconds").get_to(r.protocol_seconds);
  j.at("aggregate_seconds").get_to(r.aggregate_seconds);
  j.at("verify_seconds").get_to(r.verify_seconds);
}

std::string round_report_json(const round_report& r) { return nlohmann::json(r).dump(); }

parse_result<round_report> parse_round_report(std::string_view line) {
  try {
    return nlohmann::json::parse(line).get<round_report>();
  } catch (const std::exception& e) {
    return parse_result<round_report>::failure(std::string("not a round report: ") + e.what());
  }
}

void to_json(nlohmann::json& j, const parity_report& p) {
  j = nlohmann::json{
      {"central_steps", p.central_steps}, {"central_loss", p.central_loss}, {"central_cosine", p.central_cosine}};
}

void from_json(const nlohmann::json& j, parity_report& p) {
  j.at("central_steps").get_to(p.central_steps);
  p.central_loss = number_or_unmeasured(j.at("central_loss"));
  p.central_cosine = number_or_unmeasured(j.at("central_cosine"));
}

std::string parity_report_json(const parity_report& p) { return nlohmann::json{{"parity", p}}.dump(); }

parse_result<parity_report> parse_parity_report(std::string_view line) {
  return parse_tagged_line<parity_report>(line, "parity");
}

void to_json(nlohmann::json& j, const network_report& n) {
  j = nlohmann::json{{"round", n.round},       {"version", n.version}, {"jurisdictions", n.jurisdictions},
                     {"versions", n.versions}, {"samples", n.samples}, {"seconds", n.seconds}};
}

void from_json(const nlohmann::json& j, network_report& n) {
  j.at("round").get_to(n.round);
  j.at("version").get_to(n.version);
  j.at("jurisdictions").get_to(n.jurisdictions);
  j.at("versions").get_to(n.versions);
  j.at("samples").get_to(n.samples);
  j.at("seconds").get_to(n.seconds);
}

std::string network_report_json(const network_report& n) { return nlohmann::json{{"network", n}}.dump(); }

parse_result<network_report> parse_network_report(std::string_view line) {
  return parse_tagged_line<network_report>(line, "network");
}

}  // namespace atn
