// The --export-torch file as Python's torch.load reads it: tests/tools/torch_load_check.py applies
// torch.load's zip layout and weights_only allow-list (no torch needed) and reports what it read.
#include "model/checkpoint.hpp"
#include "tests/unit/support/run_node.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

using namespace atn;

namespace {

atn::test::node_run run_checker(const std::string& file) {
  return atn::test::run_shell(std::string("python3 ") + ATN_SOURCE_DIR + "/tests/tools/torch_load_check.py '" + file +
                              "'");
}

void write(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

named_tensor make(const std::string& name, std::vector<std::int64_t> shape, float base) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  auto data = std::make_shared<std::vector<float>>(n);
  for (std::int64_t i = 0; i < n; ++i) (*data)[i] = base + 0.25f * static_cast<float>(i);
  return {name, std::move(shape), std::move(data)};
}

}  // namespace

TEST_CASE("an exported state dict reads back under torch.load's rules", "[checkpoint][export]") {
  named_tensors tensors{make("text.blocks.0.qkv.weight", {6, 4}, -1.0f), make("text.norm.bias", {4}, 2.0f),
                        make("semantic.queries", {1, 3, 4}, 0.5f)};
  canonicalize(tensors);
  atn::test::temp_dir dir;
  const std::string path = (dir.path / "weights.pt").string();
  write(path, export_torch_dict(tensors));

  auto r = run_checker(path);
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  simdjson::dom::parser parser;
  auto doc = parser.parse(r.out);
  REQUIRE(!doc.error());
  simdjson::dom::object read = doc.value().get_object();
  CHECK(read.size() == tensors.size());
  for (const auto& t : tensors) {
    INFO(t.name);
    auto entry = read[t.name];
    REQUIRE(!entry.error());
    std::vector<std::int64_t> shape;
    for (auto d : entry["shape"].get_array()) shape.push_back(d.get_int64());
    CHECK(shape == t.shape);
    double sum = 0;
    for (float v : *t.data) sum += v;
    CHECK(entry["sum"].get_double().value() == Approx(sum));
    CHECK(entry["first"].get_double().value() == t.data->front());
    CHECK(entry["last"].get_double().value() == t.data->back());
  }
}

TEST_CASE("the torch.load check refuses a TorchScript-tagged pickle", "[checkpoint][export]") {
  // torch::pickle_save tags dicts with torch.jit._pickle.restore_type_tag, which torch.load's
  // weights_only default refuses: the checker must say so, or it proves nothing about the export.
  c10::Dict<std::string, at::Tensor> dict;
  dict.insert("w", torch::ones({2}));
  atn::test::temp_dir dir;
  const std::string path = (dir.path / "tagged.pt").string();
  write(path, torch::pickle_save(c10::IValue(dict)));
  auto r = run_checker(path);
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("restore_type_tag") != std::string::npos);
}
