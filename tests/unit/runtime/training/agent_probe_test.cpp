#include "runtime/training/agent_probe.hpp"
#include "model/byte_tokenizer.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace atn;

namespace {

training_sample sample(const std::string& text, std::int32_t label, const std::string& session) {
  return {byte_tokenizer::encode(text), nullptr, label, session};
}

// `unit` repeated `times` times, with the repetition count varying the length per session.
std::string repeat(const std::string& unit, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += unit;
  return out;
}

}  // namespace

TEST_CASE("the byte-bigram reference tells apart agents whose texts differ only in byte order", "[probe]") {
  // Both agents use 'a' and 'b' equally often; only the pairs differ ("aabb" has aa/bb, "abab" none).
  std::vector<training_sample> train, held_out;
  for (int i = 0; i < 6; ++i) {
    train.push_back(sample(repeat("aabb", 10 + i), 0, "train-a-" + std::to_string(i)));
    train.push_back(sample(repeat("abab", 10 + i), 1, "train-b-" + std::to_string(i)));
    train.push_back(sample(repeat("xyz", 10 + i), -1, "unlabelled-" + std::to_string(i)));
  }
  for (int i = 0; i < 4; ++i) {
    held_out.push_back(sample(repeat("aabb", 20 + i), 0, "held-a-" + std::to_string(i)));
    held_out.push_back(sample(repeat("abab", 20 + i), 1, "held-b-" + std::to_string(i)));
    held_out.push_back(sample(repeat("xyz", 20 + i), -1, "held-unlabelled-" + std::to_string(i)));
  }
  // Two windows of one session count as one session.
  held_out.push_back(sample(repeat("abab", 5), 1, "held-b-0"));
  auto r = run_byte_bigram_probe(train, held_out);
  CHECK(r.classes == 2);
  CHECK(r.sessions == 8);
  CHECK(r.accuracy == 1.0);
}

TEST_CASE("the byte-bigram reference is at chance when the agents' texts are the same", "[probe]") {
  std::vector<training_sample> train, held_out;
  for (int i = 0; i < 4; ++i) {
    train.push_back(sample("the same words", 0, "train-a-" + std::to_string(i)));
    train.push_back(sample("the same words", 1, "train-b-" + std::to_string(i)));
    held_out.push_back(sample("the same words", 0, "held-a-" + std::to_string(i)));
    held_out.push_back(sample("the same words", 1, "held-b-" + std::to_string(i)));
  }
  auto r = run_byte_bigram_probe(train, held_out);
  CHECK(r.sessions == 8);
  CHECK(r.accuracy == Approx(0.5));
}
