#include "runtime/protocol/yuma_json.hpp"

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace atn {

namespace {

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw std::invalid_argument(field + ": " + what);
}

double read_number(simdjson::dom::element e, const std::string& field) {
  double v = 0.0;
  if (e.get_double().get(v)) fail(field, "expected a number");
  return v;
}

std::vector<double> read_vector(simdjson::dom::element e, const std::string& field) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr)) fail(field, "expected an array of numbers");
  std::vector<double> out;
  out.reserve(arr.size());
  for (simdjson::dom::element item : arr)
    out.push_back(read_number(item, field + "[" + std::to_string(out.size()) + "]"));
  return out;
}

yuma_matrix read_matrix(simdjson::dom::element e, const std::string& field) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr)) fail(field, "expected an array of rows (arrays of numbers)");
  yuma_matrix out;
  out.reserve(arr.size());
  for (simdjson::dom::element row : arr)
    out.push_back(read_vector(row, field + "[" + std::to_string(out.size()) + "]"));
  return out;
}

// Whole file, or standard input for "-"; the message of a failure does not repeat the path.
std::string read_text(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::invalid_argument(std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream buf;
  buf << f.rdbuf();
  if (f.bad()) throw std::invalid_argument("read failed");
  return buf.str();
}

}  // namespace

yuma_input parse_yuma_input(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root))
    throw std::invalid_argument(std::string("not valid JSON: ") + simdjson::error_message(err));
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) throw std::invalid_argument("expected a JSON object at the top level");

  yuma_input in;
  std::set<std::string, std::less<>> seen;
  for (simdjson::dom::key_value_pair field : obj) {
    const std::string key(field.key);
    if (!seen.insert(key).second) fail(key, "given more than once");
    if (key == "stake") {
      in.stake = read_vector(field.value, key);
    } else if (key == "weights") {
      in.weights = read_matrix(field.value, key);
    } else if (key == "bonds") {
      in.bonds = read_matrix(field.value, key);
    } else if (key == "kappa") {
      in.kappa = read_number(field.value, key);
    } else if (key == "bonds_moving_average") {
      in.bonds_moving_average = read_number(field.value, key);
    } else if (key == "bonds_penalty") {
      in.bonds_penalty = read_number(field.value, key);
    } else {
      fail(key,
           "unknown key (expected stake, weights, bonds, kappa, bonds_moving_average, "
           "bonds_penalty)");
    }
  }
  if (!seen.count("stake")) fail("stake", "missing");
  if (!seen.count("weights")) fail("weights", "missing");
  validate_yuma_input(in);
  return in;
}

yuma_input read_yuma_input_file(const std::string& path) {
  try {
    return parse_yuma_input(read_text(path));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

std::string format_yuma_output(const yuma_output& out) {
  // Doubles are written shortest-round-trip: each reads back as the same double.
  return nlohmann::ordered_json{
      {"consensus", out.consensus},
      {"rank", out.rank},
      {"trust", out.trust},
      {"incentive", out.incentive},
      {"validator_trust", out.validator_trust},
      {"dividends", out.dividends},
      {"server_emission", out.server_emission},
      {"validator_emission", out.validator_emission},
      {"clipped_weights", out.clipped_weights},
      {"bonds", out.bonds},
      {"ema_bonds", out.ema_bonds},
  }
      .dump();
}

int run_yuma_json(const std::string& path, std::ostream& out, std::ostream& err) {
  yuma_input in;
  try {
    in = read_yuma_input_file(path);
  } catch (const std::invalid_argument& e) {
    err << "atn-node yuma: bad input: " << e.what() << '\n';
    return 2;
  }
  out << format_yuma_output(run_yuma_epoch(in)) << '\n';
  out.flush();
  return 0;
}

}  // namespace atn
