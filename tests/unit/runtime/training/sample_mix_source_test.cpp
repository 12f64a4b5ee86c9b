#include "runtime/training/sample_mix_source.hpp"
#include "data/image_loader.hpp"
#include "model/byte_tokenizer.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace atn;

namespace {

model_config tiny_model() {
  model_config m;
  m.image_size = 8;
  m.patch_size = 4;
  m.max_seq_length = 32;
  return m;
}

aligned_sample text_sample(int i) {
  aligned_sample s;
  s.has_text = true;
  s.session = "s" + std::to_string(i);
  s.lines = {"text " + std::to_string(i)};
  return s;
}

// A uniform image whose shade names the sample.
aligned_sample visual_sample(int shade, int size = 8) {
  aligned_sample s;
  s.has_visual = true;
  s.size = size;
  s.rgb = std::make_shared<const std::vector<std::uint8_t>>(static_cast<std::size_t>(size * size * 3),
                                                            static_cast<std::uint8_t>(shade));
  return s;
}

aligned_sample both(int i, int shade) {
  auto s = visual_sample(shade);
  s.has_text = true;
  s.lines = {"both " + std::to_string(i)};
  return s;
}

// The 8-bit shade a normalised red value came from.
int shade_of(float red) { return static_cast<int>(std::lround((red * imagenet_std[0] + imagenet_mean[0]) * 255.0f)); }

struct observed {
  std::size_t text = 0, visual = 0, multimodal = 0;
  std::set<std::string> texts;
  std::set<int> shades;
  std::size_t slots() const { return text + visual + multimodal; }
};

void tally(const training_batch& b, observed& o) {
  const std::size_t per = static_cast<std::size_t>(3 * b.image_size * b.image_size);
  for (std::int64_t i = 0; i < b.batch; ++i) {
    const bool t = b.has_text[static_cast<std::size_t>(i)], v = b.has_visual[static_cast<std::size_t>(i)];
    (t && v ? o.multimodal : t ? o.text : o.visual)++;
    if (t) o.texts.insert(byte_tokenizer::decode(b.tokens.data() + i * b.seq_len, static_cast<std::size_t>(b.seq_len)));
    if (v) o.shades.insert(shade_of(b.images[static_cast<std::size_t>(i) * per]));
  }
}

}  // namespace

TEST_CASE("sample mix balances 100:1 text:frames by the weights and uses every sample", "[sample_mix]") {
  sample_mix_options o;
  o.batch_size = 16;
  o.seed = 7;
  sample_mix_source mix(tiny_model(), o);
  std::vector<aligned_sample> samples;
  for (int i = 0; i < 300; ++i) samples.push_back(text_sample(i));
  for (int i = 0; i < 3; ++i) samples.push_back(visual_sample(10 + i));
  CHECK(mix.add(samples) == 303);
  CHECK(mix.size(sample_kind::text) == 300);
  CHECK(mix.size(sample_kind::visual) == 3);
  observed seen;
  for (int b = 0; b < 100; ++b) {
    auto batch = mix.next({true, true});
    REQUIRE(batch);
    CHECK(batch->batch == 16);
    tally(*batch, seen);
  }
  const double visual_share = static_cast<double>(seen.visual) / seen.slots();
  CHECK(visual_share == Approx(0.5).margin(0.05));
  CHECK(seen.multimodal == 0);
  CHECK(mix.used(sample_kind::text) == 300);  // nothing of the big kind was dropped
  CHECK(seen.texts.size() == 300);
  CHECK(seen.shades == std::set<int>{10, 11, 12});
  CHECK(mix.drawn(sample_kind::visual) == seen.visual);
}

TEST_CASE("sample mix balances the reverse, frames ≫ text, and follows unequal weights", "[sample_mix]") {
  sample_mix_options o;
  o.batch_size = 20;
  o.text_weight = 1;
  o.visual_weight = 1;
  o.multimodal_weight = 2;
  sample_mix_source mix(tiny_model(), o);
  std::vector<aligned_sample> samples;
  for (int i = 0; i < 2; ++i) samples.push_back(text_sample(i));
  for (int i = 0; i < 200; ++i) samples.push_back(visual_sample(i));
  for (int i = 0; i < 20; ++i) samples.push_back(both(i, 250));
  mix.add(samples);
  observed seen;
  for (int b = 0; b < 100; ++b) tally(*mix.next({true, true}), seen);
  CHECK(static_cast<double>(seen.text) / seen.slots() == Approx(0.25).margin(0.04));
  CHECK(static_cast<double>(seen.visual) / seen.slots() == Approx(0.25).margin(0.04));
  CHECK(static_cast<double>(seen.multimodal) / seen.slots() == Approx(0.5).margin(0.04));
  CHECK(mix.used(sample_kind::visual) == 200);
  CHECK(mix.used(sample_kind::text) == 2);
  CHECK(mix.used(sample_kind::multimodal) == 20);
}

TEST_CASE("sample mix mixes kinds within a batch and respects the task's modalities", "[sample_mix]") {
  sample_mix_options o;
  o.batch_size = 32;
  sample_mix_source mix(tiny_model(), o);
  mix.add({text_sample(1), visual_sample(40), both(2, 90)});
  auto mixed = mix.next({true, true});
  REQUIRE(mixed);
  observed one;
  tally(*mixed, one);
  CHECK(one.text > 0);
  CHECK(one.visual > 0);
  CHECK(one.multimodal > 0);

  // Text-only task: multimodal samples lend their text, frames are left out.
  observed text_task;
  for (int i = 0; i < 5; ++i) {
    auto b = mix.next({true, false});
    REQUIRE(b);
    CHECK_FALSE(b->any_visual());
    tally(*b, text_task);
  }
  CHECK(text_task.visual == 0);
  CHECK(text_task.multimodal == 0);
  CHECK(text_task.texts == std::set<std::string>{"text 1", "both 2"});

  // Visual-only task: the multimodal sample lends its image.
  observed visual_task;
  auto b = mix.next({false, true});
  REQUIRE(b);
  CHECK_FALSE(b->any_text());
  tally(*b, visual_task);
  CHECK(visual_task.shades == std::set<int>{40, 90});

  sample_mix_source only_text(tiny_model(), o);
  only_text.add({text_sample(3)});
  CHECK_FALSE(only_text.next({false, true}));
  CHECK(only_text.next({true, true}));
}

TEST_CASE("sample mix cuts long text into windows and normalises images to the model's size", "[sample_mix]") {
  sample_mix_options o;
  o.batch_size = 4;
  sample_mix_source mix(tiny_model(), o);
  aligned_sample long_text = text_sample(0);
  long_text.lines = {std::string(40, 'a'), std::string(40, 'b')};
  // 81 bytes in windows of 30 bytes, stride 15: 5 windows.
  CHECK(mix.add({long_text}) == byte_tokenizer::windows(std::string(40, 'a') + "\n" + std::string(40, 'b'), 32).size());
  aligned_sample big = visual_sample(128, 16);
  CHECK(mix.add({big}) == 1);
  auto b = mix.next({false, true});
  REQUIRE(b);
  CHECK(b->image_size == 8);
  CHECK(b->images.size() == 4u * 3 * 8 * 8);
  for (int c = 0; c < 3; ++c)
    CHECK(b->images[static_cast<std::size_t>(c) * 64] ==
          Approx((128 / 255.0f - imagenet_mean[c]) / imagenet_std[c]).margin(1e-4));
  auto t = mix.next({true, false});
  REQUIRE(t);
  CHECK(t->seq_len <= 32);
}

TEST_CASE("sample mix rejects unusable samples and weights", "[sample_mix]") {
  sample_mix_source mix(tiny_model(), {});
  aligned_sample wrong = visual_sample(1);
  wrong.size = 9;  // bytes do not match the size
  aligned_sample empty;
  aligned_sample null_image = visual_sample(1);
  null_image.rgb = nullptr;
  CHECK(mix.add({wrong, empty, null_image}) == 0);
  CHECK(mix.rejected() == 3);
  CHECK_FALSE(mix.next({true, true}));
  sample_mix_options bad;
  bad.visual_weight = -1;
  CHECK_THROWS_AS(sample_mix_source(tiny_model(), bad), std::invalid_argument);
  bad = {};
  bad.batch_size = 0;
  CHECK_THROWS_AS(sample_mix_source(tiny_model(), bad), std::invalid_argument);
  // A zero weight leaves a kind out entirely.
  sample_mix_options no_text;
  no_text.text_weight = 0;
  sample_mix_source mix2(tiny_model(), no_text);
  mix2.add({text_sample(1), visual_sample(5)});
  for (int i = 0; i < 10; ++i) CHECK_FALSE(mix2.next({true, true})->any_text());
  mix2.clear();
  CHECK(mix2.size(sample_kind::visual) == 0);
}
