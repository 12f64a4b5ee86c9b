// The round protocol's messages between nodes (torch-free): what each carries, how it maps onto a
// wire_message, and the checks a receiver applies before it believes one.
//
// One round of a jurisdiction, driven by its aggregator (the round's clock):
//   round_open   aggregator → all   version, task, participants, deadlines; tensors = global weights
//   commit       solver/coordinator → all   kind (delta|scores) and the 32-byte commitment
//   phase        aggregator → all   a phase closed: the commitments it holds for the next phase
//   reveal       solver → all       salt, samples, metrics; tensors = the delta
//   score_reveal coordinator → all  salt, the solvers in order, their scores
//   round_result aggregator → all   consensus, incentive, accepted/rejected; tensors = new weights
//
// With several jurisdictions, each aggregator then hands its model to the network aggregator, which
// averages them (weighted by samples) into the model every jurisdiction's next round starts from:
//   jurisdiction_model  aggregator → network aggregator   version, samples; tensors = its model
//   network_model       network aggregator → aggregators  version, the inputs; tensors = the average
#pragma once

#include "messages/parse_result.hpp"
#include "messages/reject_reason.hpp"
#include "messages/training_messages.hpp"
#include "messages/wire_message.hpp"
#include "model/named_tensors.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace atn {

/// Wire type names.
namespace round_type {
inline constexpr const char* open = "round_open";
inline constexpr const char* commit = "commit";
inline constexpr const char* phase = "phase";
inline constexpr const char* reveal = "reveal";
inline constexpr const char* score_reveal = "score_reveal";
inline constexpr const char* result = "round_result";
inline constexpr const char* jurisdiction_model = "jurisdiction_model";
inline constexpr const char* network_model = "network_model";
}  // namespace round_type

/// The `jurisdiction` of a network_model message: it belongs to no single jurisdiction.
inline constexpr const char* network_scope = "";

/// Every type the round protocol sends (the bridge's allow-list).
std::vector<std::string> round_message_types();

/// Phases of a round after it opened.
enum class round_phase { commit, reveal, score_commit, score_reveal, closed };
const char* to_string(round_phase phase);
std::optional<round_phase> parse_round_phase(const std::string& text);

/// What solvers are asked to do in a round.
struct round_task_spec {
  std::int64_t steps = 0;
  modality_set modalities;
  double learning_rate = 1e-3;
};

struct round_open_msg {
  std::string version;  ///< hex BLAKE2b-256 of `weights`
  round_task_spec task;
  std::vector<std::string> solvers, coordinators;
  std::int64_t commit_deadline_ms = 0, reveal_deadline_ms = 0, score_commit_deadline_ms = 0,
               score_reveal_deadline_ms = 0;  ///< Unix ms by the aggregator's clock
  named_tensors weights;
};

enum class commit_kind { delta, scores };

struct commit_msg {
  commit_kind kind = commit_kind::delta;
  digest256 commitment{};
};

/// A closed phase: `phase` is the one now open; `commits` the commitments it will be checked against.
struct phase_msg {
  round_phase phase = round_phase::reveal;
  std::map<std::string, digest256> commits;
};

struct reveal_msg {
  digest256 salt{};
  std::int64_t samples = 0, steps = 0;
  double loss = 0, cosine = 0;  ///< the solver's last training metrics (text, or visual if no text)
  named_tensors delta;
};

struct score_reveal_msg {
  digest256 salt{};
  std::vector<std::string> solvers;
  std::vector<double> scores;
  double verify_seconds = 0;  ///< what verifying the round's deltas cost the coordinator (optional field)
};

struct round_result_msg {
  std::string previous_version, version;
  std::vector<std::string> uids;  ///< coordinators then solvers, the order of the Yuma vectors
  std::vector<double> stake, consensus, incentive, dividends;
  std::vector<std::string> accepted;
  std::map<std::string, reject_reason> rejected;  ///< node → why (its text on the wire)
  double held_out_loss = -1;                      ///< the aggregator's own check of the new model, -1 when it has none
  named_tensors weights;
};

/// A jurisdiction's model after its round, for the network aggregator.
struct jurisdiction_model_msg {
  std::string version;       ///< hex BLAKE2b-256 of `weights`
  std::int64_t samples = 0;  ///< training samples behind the round's accepted deltas (the average's weight)
  named_tensors weights;
};

/// The network model of a round: the jurisdictions' models averaged, weighted by their samples.
struct network_model_msg {
  std::string version;                               ///< hex BLAKE2b-256 of `weights`
  std::vector<std::string> jurisdictions, versions;  ///< the inputs, by jurisdiction name
  std::vector<std::int64_t> samples;
  named_tensors weights;
};

/// Builds the wire message (sender left empty: the bridge sets it).
wire_message to_wire(const round_open_msg& m, const std::string& jurisdiction, std::int64_t round);
wire_message to_wire(const commit_msg& m, const std::string& jurisdiction, std::int64_t round);
wire_message to_wire(const phase_msg& m, const std::string& jurisdiction, std::int64_t round);
wire_message to_wire(const reveal_msg& m, const std::string& jurisdiction, std::int64_t round);
wire_message to_wire(const score_reveal_msg& m, const std::string& jurisdiction, std::int64_t round);
wire_message to_wire(const round_result_msg& m, const std::string& jurisdiction, std::int64_t round);
wire_message to_wire(const jurisdiction_model_msg& m, const std::string& jurisdiction, std::int64_t round);
wire_message to_wire(const network_model_msg& m, std::int64_t round);

/// Reads a message of the matching type; refuses it, saying why ("field 'salt' missing or not 32
/// bytes"), when a field is missing or mistyped.
parse_result<round_open_msg> parse_round_open(const wire_message& m);
parse_result<commit_msg> parse_commit(const wire_message& m);
parse_result<phase_msg> parse_phase(const wire_message& m);
parse_result<reveal_msg> parse_reveal(const wire_message& m);
parse_result<score_reveal_msg> parse_score_reveal(const wire_message& m);
parse_result<round_result_msg> parse_round_result(const wire_message& m);
parse_result<jurisdiction_model_msg> parse_jurisdiction_model(const wire_message& m);
parse_result<network_model_msg> parse_network_model(const wire_message& m);

/// "text", "visual", "text,visual".
std::string to_string(const modality_set& m);
std::optional<modality_set> parse_modalities(const std::string& text);
/// parse_modalities for a command-line option; throws std::invalid_argument naming `option` and
/// the text when it is not one of those.
modality_set require_modalities(const std::string& text, const std::string& option);

}  // namespace atn
