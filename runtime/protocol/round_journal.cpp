#include "runtime/protocol/round_journal.hpp"

#include "model/checkpoint.hpp"
#include "runtime/util/file_util.hpp"

#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace atn {
namespace fs = std::filesystem;

namespace {

fs::path model_path(const fs::path& dir, const std::string& version) { return dir / ("global-" + version + ".ckpt"); }

std::string format_double(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void write_round_journal(const fs::path& dir, const round_journal_entry& entry, const named_tensors& weights,
                         const model_config& model) {
  fs::create_directories(dir);
  const auto model_file = model_path(dir, entry.version);
  if (!fs::exists(model_file)) {
    checkpoint ckpt{model, 0, "global model " + entry.version, weights};
    auto bytes = encode_checkpoint(ckpt);
    write_file_atomic(model_file, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  std::ostringstream out;
  out << "atn-round-journal 1\n";
  out << "next_round " << entry.next_round << "\n";
  out << "version " << entry.version << "\n";
  out << "bonds " << entry.bonds.size() << "\n";
  for (const auto& row : entry.bonds) {
    for (std::size_t j = 0; j < row.size(); ++j) out << (j ? " " : "") << format_double(row[j]);
    out << "\n";
  }
  write_file_atomic(dir / "journal.txt", out.str());
  // Only the journal's model is needed from now on.
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.rfind("global-", 0) == 0 && e.path() != model_file) fs::remove(e.path());
  }
}

std::optional<std::pair<round_journal_entry, named_tensors>> read_round_journal(const fs::path& dir) {
  const auto file = dir / "journal.txt";
  auto text = read_file(file);
  if (!text) return std::nullopt;
  auto bad = [&](const std::string& what) {
    return std::runtime_error("round journal " + file.string() + " is damaged: " + what);
  };
  std::istringstream in(*text);
  std::string magic, key;
  int format = 0;
  round_journal_entry entry;
  std::size_t n = 0;
  if (!(in >> magic >> format) || magic != "atn-round-journal" || format != 1) throw bad("bad header");
  if (!(in >> key >> entry.next_round) || key != "next_round" || entry.next_round < 1) throw bad("next_round");
  if (!(in >> key >> entry.version) || key != "version" || entry.version.size() != 64) throw bad("version");
  if (!(in >> key >> n) || key != "bonds") throw bad("bonds");
  entry.bonds.assign(n, std::vector<double>(n, 0.0));
  for (auto& row : entry.bonds)
    for (auto& v : row)
      if (!(in >> v)) throw bad("bonds matrix cut short");
  const auto model_file = model_path(dir, entry.version);
  auto bytes = read_file(model_file);
  if (!bytes) throw bad("its model " + model_file.string() + " is missing");
  auto ckpt = decode_checkpoint(std::vector<std::uint8_t>(bytes->begin(), bytes->end()), model_file.string());
  if (to_hex(blake2b_256(ckpt.tensors)) != entry.version)
    throw bad("model " + model_file.string() + " does not hash to " + entry.version);
  return std::make_pair(std::move(entry), std::move(ckpt.tensors));
}

}  // namespace atn
