#include "runtime/util/progress_bar.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

using namespace atn;
using namespace std::chrono_literals;

namespace {

// A progress bar writing to a temporary file (not a terminal) on a clock the test moves.
struct logged_bar {
  std::FILE* file = std::tmpfile();
  progress_bar::clock::time_point now{};
  progress_bar bar{"train", 100, file, [this] { return now; }};

  ~logged_bar() { std::fclose(file); }

  std::vector<std::string> lines() {
    std::fflush(file);
    std::rewind(file);
    std::string text;
    char buf[512];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, file)) text.append(buf, n);
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
};

}  // namespace

TEST_CASE("progress bar times the work from its first update, not before it") {
  logged_bar log;
  log.now += 1h;  // whatever happened before the first update does not count
  log.bar.update(1, "loss 0.5");
  log.now += 2s;
  log.bar.update(7, "loss 0.4");
  const auto lines = log.lines();
  REQUIRE(lines.size() == 2);
  // One update gives no rate: no "69778/s | ETA 0:00" from a step done in no time.
  CHECK(lines[0] == "train 1/100 [>                       ] loss 0.5 | -/s | ETA -");
  // 6 steps in 2 s: 3 steps/s, 93 steps left.
  CHECK(lines[1] == "train 7/100 [=>                      ] loss 0.4 | 3.00/s | ETA 0:31");
}

TEST_CASE("progress bar off a terminal prints every 5 %, at least every 10 s, and the end") {
  logged_bar log;
  log.bar.update(1, "a");  // printed: the first
  log.now += 1s;
  log.bar.update(2, "b");  // quiet: 1 step and 1 s since the last line
  log.now += progress_bar::quiet_limit;
  log.bar.update(3, "c");    // printed: 11 s of silence
  log.bar.update(7, "d");    // quiet: 4 steps since the last line
  log.bar.update(8, "e");    // printed: 5 steps
  log.bar.update(100, "f");  // printed: the end
  std::vector<std::string> details;
  for (const auto& line : log.lines()) details.push_back(line.substr(line.find("] ") + 2, 1));
  CHECK(details == std::vector<std::string>{"a", "c", "e", "f"});
}
