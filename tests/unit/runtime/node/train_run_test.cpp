// End-to-end learning tests on the bundled sample data with the tiny preset: the held-out JEPA
// loss falls for text-only, visual-only and multimodal training without collapse.
#include "runtime/node/train_run.hpp"
#include "data/sample/sample_data_generator.hpp"
#include "model/checkpoint.hpp"
#include "runtime/util/file_util.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include <unistd.h>

using namespace atn;
namespace fs = std::filesystem;

namespace {

// One generated data set shared by the tests of this file.
const fs::path& sample_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("atn-train-test-" + std::to_string(::getpid()));
    fs::remove_all(d);
    sample_data_options o;
    o.sessions_per_agent = 16;
    o.frame_size = 64;
    generate_sample_data(d, o);
    return d;
  }();
  return dir;
}

train_run_options options(bool text, bool visual, std::int64_t steps) {
  train_run_options o;
  o.data.atn_dir = sample_dir() / "atn";
  o.data.images_dir = sample_dir() / "frames";
  o.data.model = model_preset("tiny");
  o.data.modalities = {text, visual};
  o.data.holdout = 0.25;
  o.train.steps = steps;
  o.train.warmup_steps = steps / 10;
  o.train.batch_size = 8;
  o.eval_samples = 48;
  return o;
}

void require_learned(const std::optional<step_metrics>& before, const std::optional<step_metrics>& after, bool text,
                     bool visual) {
  REQUIRE(before);
  REQUIRE(after);
  if (text) {
    REQUIRE(after->text.present);
    INFO("text loss " << before->text.loss << " -> " << after->text.loss);
    CHECK(after->text.loss < 0.9 * before->text.loss);
    CHECK(after->text.cosine > before->text.cosine);
  }
  if (visual) {
    REQUIRE(after->visual.present);
    INFO("visual loss " << before->visual.loss << " -> " << after->visual.loss);
    CHECK(after->visual.loss < 0.9 * before->visual.loss);
    CHECK(after->visual.cosine > before->visual.cosine);
  }
}

}  // namespace

TEST_CASE("text-only training lowers the held-out loss; the agent probe covers every agent", "[train][learning]") {
  auto report = run_training(options(true, false, 300));
  CHECK(report.steps == 300);
  CHECK(report.skipped_steps == 0);
  require_learned(report.before.text, report.after.text, true, false);
  CHECK_FALSE(report.collapsed);
  INFO("probe " << report.probe_before.accuracy << " -> " << report.probe_after.accuracy << ", byte bigrams "
                << report.probe_reference.accuracy);
  CHECK(report.probe_after.classes == 6);
  CHECK(report.probe_after.sessions > 10);
  // Chance is 1/6; random byte features already separate the agents well above it.
  CHECK(report.probe_before.accuracy > 0.3);
  CHECK(report.probe_after.accuracy > 0.3);
  // The model-free reference on the same split: the sample domains differ in their vocabulary.
  CHECK(report.probe_reference.sessions == report.probe_after.sessions);
  CHECK(report.probe_reference.accuracy > 0.8);
}

TEST_CASE("visual-only training lowers the held-out loss without collapse", "[train][learning]") {
  auto report = run_training(options(false, true, 150));
  require_learned(report.before.visual, report.after.visual, false, true);
  CHECK_FALSE(report.collapsed);
  CHECK(report.frames > 0);
}

TEST_CASE("multimodal training lowers the held-out loss of both modalities", "[train][learning]") {
  auto o = options(true, true, 240);
  const auto ckpt = sample_dir() / "model.ckpt";
  o.out = ckpt;
  auto report = run_training(o);
  CHECK(report.paired_frames > 0);
  require_learned(report.before.multimodal, report.after.multimodal, true, true);
  require_learned(report.before.text, report.after.text, true, false);
  require_learned(report.before.visual, report.after.visual, false, true);
  CHECK_FALSE(report.collapsed);
  // The checkpoint is complete and verifies.
  auto bytes = read_file(ckpt);
  REQUIRE(bytes);
  auto restored = decode_checkpoint(std::vector<std::uint8_t>(bytes->begin(), bytes->end()), ckpt.string());
  CHECK(restored.steps == 240);
}

TEST_CASE("missing data directories fail with a message naming them", "[train][bad_input]") {
  auto o = options(true, false, 5);
  o.data.atn_dir = sample_dir() / "does-not-exist";
  CHECK_THROWS_WITH(run_training(o), Catch::Contains("does-not-exist"));
}
