#include "model/checkpoint.hpp"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>

#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>

namespace atn {
namespace {

constexpr char magic[8] = {'A', 'T', 'N', 'C', 'K', 'P', 'T', '1'};

void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

struct cursor {
  const std::vector<std::uint8_t>& bytes;
  std::size_t pos;
  std::size_t end;
  const std::string& source;

  void need(std::size_t n) const {
    if (end - pos < n)
      throw std::runtime_error("checkpoint " + source + " is truncated at byte " + std::to_string(pos));
  }
  std::uint64_t u(int width) {
    need(width);
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i) v |= static_cast<std::uint64_t>(bytes[pos + i]) << (8 * i);
    pos += width;
    return v;
  }
};

// A decimal that reads back as the same double (17 significant digits).
std::string exact_decimal(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

std::map<std::string, std::string> config_fields(const checkpoint& c) {
  const auto& m = c.model;
  return {{"preset", m.preset},
          {"embed_dim", std::to_string(m.embed_dim)},
          {"heads", std::to_string(m.heads)},
          {"vit_depth", std::to_string(m.vit_depth)},
          {"text_depth", std::to_string(m.text_depth)},
          {"fusion_depth", std::to_string(m.fusion_depth)},
          {"predictor_depth", std::to_string(m.predictor_depth)},
          {"predictor_dim", std::to_string(m.predictor_dim)},
          {"predictor_heads", std::to_string(m.predictor_heads)},
          {"semantic_queries", std::to_string(m.semantic_queries)},
          {"decoder_depth", std::to_string(m.decoder_depth)},
          {"mlp_ratio", std::to_string(m.mlp_ratio)},
          {"image_size", std::to_string(m.image_size)},
          {"patch_size", std::to_string(m.patch_size)},
          {"max_seq_length", std::to_string(m.max_seq_length)},
          {"vocab_size", std::to_string(m.vocab_size)},
          {"text_locality", exact_decimal(m.text_locality)},
          {"steps", std::to_string(c.steps)},
          {"note", c.note}};
}

}  // namespace

std::vector<std::uint8_t> encode_checkpoint(const checkpoint& ckpt) {
  std::string header;
  for (const auto& [k, v] : config_fields(ckpt)) {
    if (v.find('\n') != std::string::npos) throw std::invalid_argument("checkpoint field " + k + " has a newline");
    header += k + "=" + v + "\n";
  }
  std::vector<std::uint8_t> out(magic, magic + 8);
  put_u64(out, header.size());
  out.insert(out.end(), header.begin(), header.end());
  put_u64(out, ckpt.tensors.size());
  auto body = canonical_bytes(ckpt.tensors);
  out.insert(out.end(), body.begin(), body.end());
  auto digest = blake2b_256(out.data(), out.size());
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

checkpoint decode_checkpoint(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  if (bytes.size() < 8 + 8 + 8 + 32 || std::memcmp(bytes.data(), magic, 8) != 0)
    throw std::runtime_error("checkpoint " + source + " is not an atn-node checkpoint (bad magic or too short)");
  const std::size_t body_end = bytes.size() - 32;
  auto digest = blake2b_256(bytes.data(), body_end);
  if (std::memcmp(digest.data(), bytes.data() + body_end, 32) != 0)
    throw std::runtime_error("checkpoint " + source + " fails its checksum (corrupt or cut off)");

  cursor c{bytes, 8, body_end, source};
  const auto header_len = c.u(8);
  c.need(header_len);
  std::string header(reinterpret_cast<const char*>(bytes.data() + c.pos), header_len);
  c.pos += header_len;
  std::map<std::string, std::string> fields;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) throw std::runtime_error("checkpoint " + source + " has a bad header line: " + line);
    fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  checkpoint out;
  auto field = [&](const char* key) -> const std::string& {
    auto it = fields.find(key);
    if (it == fields.end()) throw std::runtime_error("checkpoint " + source + " lacks header field " + key);
    return it->second;
  };
  // A number field; `parse` must consume the whole value.
  auto number = [&](const char* key, auto parse) {
    const auto& text = field(key);
    std::size_t used = 0;
    try {
      const auto v = parse(text, &used);
      if (used == text.size()) return v;
    } catch (const std::exception&) {}
    throw std::runtime_error("checkpoint " + source + " has a bad value for " + key + ": " + text);
  };
  auto num = [&](const char* key) {
    return number(key, [](const std::string& t, std::size_t* used) -> std::int64_t { return std::stoll(t, used); });
  };
  auto real = [&](const char* key) {
    return number(key, [](const std::string& t, std::size_t* used) { return std::stod(t, used); });
  };
  auto& m = out.model;
  m.preset = fields["preset"];
  m.embed_dim = num("embed_dim");
  m.heads = num("heads");
  m.vit_depth = num("vit_depth");
  m.text_depth = num("text_depth");
  m.fusion_depth = num("fusion_depth");
  m.predictor_depth = num("predictor_depth");
  m.predictor_dim = num("predictor_dim");
  m.predictor_heads = num("predictor_heads");
  m.semantic_queries = num("semantic_queries");
  m.decoder_depth = num("decoder_depth");
  m.mlp_ratio = num("mlp_ratio");
  m.image_size = num("image_size");
  m.patch_size = num("patch_size");
  m.max_seq_length = num("max_seq_length");
  m.vocab_size = num("vocab_size");
  m.text_locality = real("text_locality");
  out.steps = num("steps");
  out.note = fields["note"];

  const auto count = c.u(8);
  for (std::uint64_t i = 0; i < count; ++i) {
    named_tensor t;
    const auto name_len = c.u(4);
    c.need(name_len);
    t.name.assign(reinterpret_cast<const char*>(bytes.data() + c.pos), name_len);
    c.pos += name_len;
    const auto rank = c.u(4);
    if (rank > 8)
      throw std::runtime_error("checkpoint " + source + ": tensor " + t.name + " has rank " + std::to_string(rank));
    std::uint64_t numel = 1;
    for (std::uint64_t d = 0; d < rank; ++d) {
      t.shape.push_back(static_cast<std::int64_t>(c.u(8)));
      numel *= static_cast<std::uint64_t>(t.shape.back());
    }
    if (numel > (c.end - c.pos) / sizeof(float)) c.need(numel * sizeof(float));
    auto data = std::make_shared<std::vector<float>>(numel);
    std::memcpy(data->data(), bytes.data() + c.pos, numel * sizeof(float));
    c.pos += numel * sizeof(float);
    t.data = std::move(data);
    out.tensors.push_back(std::move(t));
  }
  if (c.pos != body_end) throw std::runtime_error("checkpoint " + source + " has trailing bytes");
  canonicalize(out.tensors);
  return out;
}

std::vector<char> export_torch_dict(const named_tensors& tensors) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& t : tensors) {
    auto tensor = torch::from_blob(const_cast<float*>(t.data->data()), t.shape, torch::kFloat32).clone();
    dict.insert(t.name, tensor);
  }
  // torch::pickle_save would tag the dict with torch.jit._pickle.restore_type_tag, a global that
  // torch.load's default weights_only unpickler refuses. Untagged, the pickle holds only what
  // torch.save writes for a state dict: a plain dict, _rebuild_tensor_v2, FloatStorage, OrderedDict.
  std::vector<char> pickle;
  torch::jit::Pickler pickler([&](const char* bytes, std::size_t n) { pickle.insert(pickle.end(), bytes, bytes + n); },
                              nullptr, nullptr, nullptr, nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(c10::IValue(dict));
  pickler.stop();
  std::vector<char> zip;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* bytes, std::size_t n) {
    zip.insert(zip.end(), static_cast<const char*>(bytes), static_cast<const char*>(bytes) + n);
    return n;
  });
  torch::jit::writeArchiveAndTensors("data", pickle.data(), pickle.size(), pickler.tensorData(), writer);
  writer.writeEndOfFile();
  return zip;
}

named_tensors import_torch_dict(const std::vector<char>& bytes) {
  auto value = torch::pickle_load(bytes);
  if (!value.isGenericDict()) throw std::runtime_error("torch file does not hold a dict");
  named_tensors out;
  for (const auto& entry : value.toGenericDict()) {
    auto t = entry.value().toTensor().to(torch::kFloat32).contiguous();
    auto data = std::make_shared<std::vector<float>>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    out.push_back({entry.key().toStringRef(), t.sizes().vec(), std::move(data)});
  }
  canonicalize(out);
  return out;
}

}  // namespace atn
