#include "model/vl_jepa_trainer.hpp"
#include "model/byte_tokenizer.hpp"
#include "model/checkpoint.hpp"
#include "model/schedules.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace atn;

namespace {
// A small batch of real text (and optionally images) for the tiny preset.
training_batch make_batch(bool text, bool visual, std::uint64_t seed) {
  auto c = model_preset("tiny");
  training_batch b;
  b.batch = 4;
  std::vector<std::vector<std::int64_t>> seqs;
  const char* lines[] = {"[user] check my calendar for tomorrow\n[assistant] You have 3 meetings.",
                         "[user] send the report to ana\n[tool:send_email] {\"to\":\"ana\"}",
                         "[agent:code] trigger=user status=completed\n[step:plan] run the tests",
                         "[user] quote for AAPL?\n[tool:get_quote] {\"symbol\":\"AAPL\"}"};
  for (int i = 0; i < 4; ++i) seqs.push_back(byte_tokenizer::encode(lines[i]));
  if (text) {
    auto tb = byte_tokenizer::pad_batch(seqs);
    b.seq_len = tb.length;
    b.tokens = tb.tokens;
    b.valid = tb.valid;
  }
  if (visual) {
    b.image_size = c.image_size;
    b.images.resize(4 * 3 * c.image_size * c.image_size);
    std::uint64_t x = seed;
    for (auto& v : b.images)
      v = static_cast<float>(((x = x * 6364136223846793005ULL + 1) >> 40) % 1000) / 500.0f - 1.0f;
  }
  b.has_text.assign(4, text ? 1 : 0);
  b.has_visual.assign(4, visual ? 1 : 0);
  return b;
}

train_config quick() {
  train_config t;
  t.steps = 10;
  t.warmup_steps = 2;
  return t;
}
}  // namespace

TEST_CASE("a training step runs on text-only, visual-only and multimodal batches", "[model][trainer]") {
  configure_torch_threads(0);
  vl_jepa_trainer trainer(model_preset("tiny"), quick());
  for (auto [text, visual] : {std::pair{true, false}, std::pair{false, true}, std::pair{true, true}}) {
    auto m = trainer.train_step(make_batch(text, visual, 1));
    CHECK(m.finite);
    CHECK(std::isfinite(m.loss));
    CHECK(m.text.present == text);
    CHECK(m.visual.present == visual);
    if (text) CHECK(m.text.targets > 0);
    if (visual) CHECK(m.visual.targets > 0);
    trainer.update_targets(0.996);
  }
  CHECK(trainer.steps_done() == 3);
}

TEST_CASE("a multimodal batch with a text-less and an image-less sample trains", "[model][trainer]") {
  vl_jepa_trainer trainer(model_preset("tiny"), quick());
  auto b = make_batch(true, true, 2);
  b.has_text[1] = 0;
  for (std::int64_t j = 0; j < b.seq_len; ++j) {
    b.tokens[b.seq_len + j] = j == 0 ? byte_tokenizer::bos : j == 1 ? byte_tokenizer::eos : byte_tokenizer::pad;
    b.valid[b.seq_len + j] = j < 2;
  }
  b.has_visual[2] = 0;
  auto m = trainer.train_step(b);
  CHECK(m.finite);
  CHECK(m.text.present);
  CHECK(m.visual.present);
}

TEST_CASE("evaluation is deterministic and does not change the weights", "[model][trainer]") {
  vl_jepa_trainer trainer(model_preset("tiny"), quick());
  std::vector<training_batch> eval{make_batch(true, true, 3)};
  auto before = blake2b_256(trainer.shared_weights());
  auto a = trainer.evaluate(eval, 11);
  auto b = trainer.evaluate(eval, 11);
  CHECK(a.loss == b.loss);
  CHECK(a.text.cosine == b.text.cosine);
  CHECK(blake2b_256(trainer.shared_weights()) == before);
}

TEST_CASE("EMA momentum rises from 0.996 to 1 and the update moves targets toward online", "[model][ema]") {
  CHECK(ema_momentum_at(0, 100, 0.996, 1.0) == Approx(0.996));
  CHECK(ema_momentum_at(50, 100, 0.996, 1.0) == Approx(0.998));
  CHECK(ema_momentum_at(100, 100, 0.996, 1.0) == Approx(1.0));
  CHECK(ema_momentum_at(500, 100, 0.996, 1.0) == Approx(1.0));
  for (int s = 1; s <= 100; ++s) CHECK(ema_momentum_at(s, 100, 0.996, 1.0) >= ema_momentum_at(s - 1, 100, 0.996, 1.0));

  vl_jepa_trainer trainer(model_preset("tiny"), quick());
  trainer.train_step(make_batch(true, false, 4));
  auto find = [](const named_tensors& all, const std::string& name) {
    for (const auto& t : all)
      if (t.name == name) return t;
    FAIL("missing tensor " << name);
    return named_tensor{};
  };
  auto before = trainer.full_state();
  const auto online = find(before, "text.embed.weight");
  const auto target = find(before, "text_target.embed.weight");
  trainer.update_targets(0.9);
  const auto after = find(trainer.full_state(), "text_target.embed.weight");
  for (std::size_t i = 0; i < after.data->size(); i += 97)
    CHECK((*after.data)[i] == Approx(0.9f * (*target.data)[i] + 0.1f * (*online.data)[i]).margin(1e-6));
  trainer.update_targets(1.0);  // momentum 1 leaves targets unchanged
  CHECK(blake2b_256(named_tensors{find(trainer.full_state(), "text_target.embed.weight")}) ==
        blake2b_256(named_tensors{after}));
}

TEST_CASE("learning rate warms up then follows a cosine", "[model][schedule]") {
  CHECK(learning_rate_at(0, 100, 10, 1e-3, 1e-5) == Approx(1e-4));
  CHECK(learning_rate_at(9, 100, 10, 1e-3, 1e-5) == Approx(1e-3));
  CHECK(learning_rate_at(10, 100, 10, 1e-3, 1e-5) == Approx(1e-3));
  CHECK(learning_rate_at(55, 100, 10, 1e-3, 1e-5) == Approx(0.5 * (1e-3 + 1e-5)));
  CHECK(learning_rate_at(100, 100, 10, 1e-3, 1e-5) == Approx(1e-5));
}

TEST_CASE("a delta applied to its base reproduces the trained weights; hashes are stable", "[model][delta]") {
  vl_jepa_trainer trainer(model_preset("tiny"), quick());
  const auto base = trainer.shared_weights();
  const auto base_hash = blake2b_256(base);
  CHECK(blake2b_256(trainer.shared_weights()) == base_hash);  // hashing twice agrees
  CHECK(to_hex(base_hash).size() == 64);

  for (int i = 0; i < 3; ++i) trainer.train_step(make_batch(true, true, 5 + i));
  const auto trained = trainer.shared_weights();
  CHECK(blake2b_256(trained) != base_hash);
  const auto delta = subtract(trained, base);
  CHECK(squared_norm(delta) > 0);
  const auto applied = add(base, delta);
  for (std::size_t t = 0; t < trained.size(); ++t)
    for (std::size_t i = 0; i < trained[t].data->size(); ++i)
      REQUIRE((*applied[t].data)[i] == Approx((*trained[t].data)[i]).margin(1e-6));

  // Two nodes applying the same delta to the same base agree bit for bit.
  vl_jepa_trainer other(model_preset("tiny"), quick());
  other.load_shared_weights(base);
  CHECK(blake2b_256(other.shared_weights()) == base_hash);
  const auto applied_again = add(other.shared_weights(), delta);
  CHECK(blake2b_256(applied_again) == blake2b_256(applied));
  other.load_shared_weights(applied_again);
  CHECK(blake2b_256(other.shared_weights()) == blake2b_256(applied));

  // Layout mismatches are refused with the tensor named.
  auto broken = delta;
  broken[0].shape.push_back(1);
  CHECK_THROWS_WITH(add(base, broken), Catch::Contains(broken[0].name));
}

TEST_CASE("checkpoints round-trip and reject damage; torch export reads back", "[model][checkpoint]") {
  vl_jepa_trainer trainer(model_preset("tiny"), quick());
  trainer.train_step(make_batch(true, false, 9));
  checkpoint ckpt{trainer.model(), trainer.steps_done(), "unit test", trainer.full_state()};
  auto bytes = encode_checkpoint(ckpt);
  auto back = decode_checkpoint(bytes, "mem");
  CHECK(back.steps == 1);
  CHECK(back.note == "unit test");
  CHECK(back.model.embed_dim == trainer.model().embed_dim);
  CHECK(blake2b_256(back.tensors) == blake2b_256(ckpt.tensors));
  // Every architecture number travels with the weights, the locality slope exactly.
  auto custom = ckpt;
  custom.model.text_locality = 0.3;
  CHECK(decode_checkpoint(encode_checkpoint(custom), "mem").model.text_locality == 0.3);

  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, bytes.size() / 2, bytes.size() - 1}) {
    std::vector<std::uint8_t> partial(bytes.begin(), bytes.begin() + cut);
    CHECK_THROWS_WITH(decode_checkpoint(partial, "cut.ckpt"), Catch::Contains("cut.ckpt"));
  }
  auto flipped = bytes;
  flipped[flipped.size() / 2] ^= 1;
  CHECK_THROWS_WITH(decode_checkpoint(flipped, "flip.ckpt"), Catch::Contains("checksum"));

  vl_jepa_trainer restored(model_preset("tiny"), quick());
  restored.load_full_state(back.tensors);
  CHECK(blake2b_256(restored.full_state()) == blake2b_256(ckpt.tensors));

  auto exported = export_torch_dict(trainer.shared_weights());
  auto imported = import_torch_dict(exported);
  CHECK(blake2b_256(imported) == blake2b_256(trainer.shared_weights()));
}

TEST_CASE("the trainer masks text the way its train_config says", "[model][trainer][masking]") {
  configure_torch_threads(0);
  // Role masking of tool calls, no span fallback: the targets are exactly the two [tool:…] lines.
  auto t = quick();
  t.text_masking.mode = text_mask_mode::role_tool;
  t.text_masking.span_fallback = false;
  vl_jepa_trainer tools(model_preset("tiny"), t);
  const std::int64_t tool_bytes = std::string("[tool:send_email] {\"to\":\"ana\"}").size() +
                                  std::string("[tool:get_quote] {\"symbol\":\"AAPL\"}").size();
  auto m = tools.evaluate({make_batch(true, false, 1)}, 3);
  CHECK(m.text.targets == tool_bytes);

  vl_jepa_trainer spans(model_preset("tiny"), quick());
  auto s = spans.evaluate({make_batch(true, false, 1)}, 3);
  CHECK(s.text.targets != tool_bytes);
  CHECK(s.text.targets > 0);
}
