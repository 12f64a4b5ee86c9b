#include "runtime/cli/simulation.hpp"

#include "data/sample/sample_data_generator.hpp"
#include "runtime/cli/simulation_keys.hpp"
#include "runtime/protocol/round_report_json.hpp"
#include "runtime/util/stop_signal.hpp"

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

extern char** environ;

namespace atn {
namespace fs = std::filesystem;

namespace {

struct node_spec {
  std::string id, role;
  int port = 0;
  int slice = 0, slices = 1;
  std::string attack = "none";
};

struct child {
  node_spec spec;
  pid_t pid = -1;
  fs::path log;
  bool exited = false;
  int status = 0;
};

// A port the kernel just handed out on loopback (closed again: a small race, fine on one machine).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::system_error(errno, std::generic_category(), "finding a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string endpoint(int port) { return "tcp://127.0.0.1:" + std::to_string(port); }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Starts `argv` with stdout to `stdout_fd` (or the log) and stderr to the log file.
pid_t spawn_process(const std::vector<std::string>& argv, const fs::path& log, int stdout_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (stdout_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  else
    posix_spawn_file_actions_adddup2(&actions, 2, 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "starting " + argv[0]);
  return pid;
}

std::string tail(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "    " + all[i] + "\n";
  return out;
}

// --- the per-round table -------------------------------------------------------------------

// A report line the aggregator wrote, or the reason it cannot be read (the line is then skipped).
round_report read_report(const std::string& line) {
  auto r = parse_round_report(line);
  if (!r) throw std::runtime_error(r.error());
  return *std::move(r);
}

void print_table(const round_report& v, double previous_loss, int solvers,
                 const std::map<std::string, std::string>& roles) {
  char buf[512];
  if (v.round == 0) {
    std::printf("round 0  initial model %s  held-out loss %.4f  cosine %.3f\n\n", v.version.substr(0, 12).c_str(),
                v.held_out_loss, v.held_out_cosine);
    return;
  }
  std::printf("round %lld  model %s -> %s\n", static_cast<long long>(v.round), v.previous_version.substr(0, 12).c_str(),
              v.version.substr(0, 12).c_str());
  std::printf("  held-out loss %.4f -> %.4f (%+.2f %%)  cosine %.3f\n", previous_loss, v.held_out_loss,
              previous_loss > 0 ? 100.0 * (v.held_out_loss - previous_loss) / previous_loss : 0.0, v.held_out_cosine);
  std::printf("  commits %llu/%d  reveals %llu  score vectors %llu  accepted %zu",
              static_cast<unsigned long long>(v.commits), solvers, static_cast<unsigned long long>(v.reveals),
              static_cast<unsigned long long>(v.score_reveals), v.accepted.size());
  if (!v.rejected.empty()) {
    std::printf("  rejected:");
    for (const auto& [node, why] : v.rejected) std::printf(" %s (%s)", node.c_str(), to_string(why));
  }
  const double total = v.train_seconds + v.protocol_seconds + v.aggregate_seconds;
  std::printf("\n  time %.1f s: train %.1f s, protocol %.1f s (of which verification %.1f s), aggregate %.2f s\n",
              total, v.train_seconds, v.protocol_seconds, v.verify_seconds, v.aggregate_seconds);
  std::snprintf(buf, sizeof buf, "  %-15s %-12s %7s %10s %10s %10s\n", "node", "role", "stake", "consensus",
                "incentive", "dividends");
  std::fputs(buf, stdout);
  for (std::size_t i = 0; i < v.uids.size(); ++i) {
    auto role = roles.count(v.uids[i]) ? roles.at(v.uids[i]) : "?";
    std::snprintf(buf, sizeof buf, "  %-15s %-12s %7.2f %10.4f %10.4f %10.4f\n", v.uids[i].c_str(), role.c_str(),
                  v.stake[i], v.consensus[i], v.incentive[i], v.dividends[i]);
    std::fputs(buf, stdout);
  }
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

int run_simulation(const simulation_options& o) {
  if (o.solvers < 1 || o.coordinators < 1 || o.rounds < 1)
    throw std::invalid_argument("a simulation needs at least one solver, one coordinator and one round");
  if (o.byzantine < 0 || o.byzantine > o.solvers)
    throw std::invalid_argument("--byzantine " + std::to_string(o.byzantine) + " is more than the solvers");
  const auto& stop = install_stop_signal_handlers();
  fs::create_directories(o.state_dir);
  const auto state = fs::absolute(o.state_dir);
  const std::string exe = o.executable.empty() ? fs::read_symlink("/proc/self/exe").string() : o.executable;

  fs::path data_dir, images_dir;
  if (o.data) {
    data_dir = *o.data;
    if (o.images) images_dir = *o.images;
  } else {
    const auto sample = state / "sample-data";
    if (!fs::exists(sample / "atn")) {
      std::printf("generating the sample data in %s ...\n", sample.c_str());
      std::fflush(stdout);
      generate_sample_data(sample, sample_data_options{});
    }
    data_dir = sample / "atn";
    images_dir = sample / "frames";
  }

  // The cast: ids, roles, ports, data slices.
  std::vector<node_spec> nodes;
  std::vector<std::string> solver_ids, coordinator_ids;
  nodes.push_back({"aggregator", "aggregator", free_port(), 0, 1, "none"});
  for (int j = 0; j < o.coordinators; ++j) {
    nodes.push_back({"coordinator-" + std::to_string(j + 1), "coordinator", free_port(), j, o.coordinators, "none"});
    coordinator_ids.push_back(nodes.back().id);
  }
  for (int i = 0; i < o.solvers; ++i) {
    const bool byzantine = i >= o.solvers - o.byzantine;
    nodes.push_back(
        {"solver-" + std::to_string(i + 1), "solver", free_port(), i, o.solvers, byzantine ? o.attack : "none"});
    solver_ids.push_back(nodes.back().id);
  }
  std::map<std::string, std::string> roles;
  for (const auto& n : nodes) roles[n.id] = n.role + (n.attack != "none" ? "*" : "");

  std::printf(
      "simulation: %d solvers (%d Byzantine: %s), %d coordinators, 1 aggregator, %d rounds of %lld steps, "
      "preset %s, state in %s\n\n",
      o.solvers, o.byzantine, o.byzantine ? o.attack.c_str() : "-", o.coordinators, o.rounds,
      static_cast<long long>(o.steps), o.preset.c_str(), state.c_str());
  std::fflush(stdout);

  int report_pipe[2];
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  std::vector<child> children;
  auto kill_all = [&](int sig) {
    for (auto& c : children)
      if (!c.exited) ::kill(c.pid, sig);
  };
  std::vector<std::string> ids;  // CURVE: every node's key pair in its state dir, its public key to its peers
  for (const auto& n : nodes) ids.push_back(n.id);
  const auto public_keys = make_simulation_keys(state, ids);
  for (const auto& n : nodes) {
    const auto dir = state / n.id;
    fs::create_directories(dir);
    std::vector<std::string> argv{exe,
                                  "node",
                                  "--id",
                                  n.id,
                                  "--role",
                                  n.role,
                                  "--listen",
                                  endpoint(n.port),
                                  "--state-dir",
                                  dir.string(),
                                  "--data",
                                  data_dir.string(),
                                  "--slice",
                                  std::to_string(n.slice),
                                  "--slices",
                                  std::to_string(n.slices),
                                  "--preset",
                                  o.preset,
                                  "--batch",
                                  std::to_string(o.batch),
                                  "--threads",
                                  std::to_string(o.threads_per_node),
                                  "--modalities",
                                  o.modalities,
                                  "--seed",
                                  "1"};
    if (!images_dir.empty()) argv.insert(argv.end(), {"--images", images_dir.string()});
    for (const auto& p : nodes)
      if (p.id != n.id) argv.insert(argv.end(), {"--peer", p.id + "=" + endpoint(p.port) + "," + public_keys.at(p.id)});
    if (o.trace) argv.insert(argv.end(), {"--trace", (dir / "trace.jsonl").string()});
    if (n.role == "aggregator") {
      const auto t = std::to_string(o.phase_timeout_seconds);
      argv.insert(argv.end(), {"--solvers",
                               join(solver_ids),
                               "--coordinators",
                               join(coordinator_ids),
                               "--rounds",
                               std::to_string(o.rounds),
                               "--steps",
                               std::to_string(o.steps),
                               "--lr",
                               std::to_string(o.learning_rate),
                               "--rule",
                               o.rule,
                               "--json-reports",
                               "--commit-timeout",
                               t,
                               "--reveal-timeout",
                               t,
                               "--score-commit-timeout",
                               t,
                               "--score-reveal-timeout",
                               t});
      if (o.parity)
        argv.insert(argv.end(),
                    {"--parity-steps", std::to_string(static_cast<std::int64_t>(o.solvers) * o.rounds * o.steps)});
      // A fresh simulation starts from round 1: forget an earlier run's journal.
      fs::remove_all(dir / "aggregator");
    }
    if (n.role == "solver") argv.insert(argv.end(), {"--attack", n.attack});
    if (n.role == "coordinator") argv.insert(argv.end(), {"--reference-steps", std::to_string(o.reference_steps)});
    child c;
    c.spec = n;
    c.log = dir / "node.log";
    c.pid = spawn_process(argv, c.log, n.role == "aggregator" ? report_pipe[1] : -1);
    children.push_back(c);
  }
  ::close(report_pipe[1]);

  // Read the aggregator's reports while watching the others.
  FILE* reports = ::fdopen(report_pipe[0], "r");
  int rounds_seen = 0, exit_code = 0;
  double previous_loss = -1;
  std::string failure;
  std::thread watcher([&] {
    while (true) {
      bool all_done = true;
      for (auto& c : children) {
        if (c.exited) continue;
        int status = 0;
        pid_t r = ::waitpid(c.pid, &status, WNOHANG);
        if (r == c.pid) {
          c.exited = true;
          c.status = status;
          const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
          if (!clean && failure.empty() && !stop.load()) {
            failure = c.spec.id + " stopped (" +
                      (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                         : "signal " + std::to_string(WTERMSIG(status))) +
                      "); last lines of " + c.log.string() + ":\n" + tail(c.log, 15);
            kill_all(SIGTERM);
          }
        } else {
          all_done = false;
        }
      }
      if (stop.load()) kill_all(SIGTERM);
      if (all_done) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  char* line = nullptr;
  std::size_t cap = 0;
  while (::getline(&line, &cap, reports) > 0) {
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty() || text.front() != '{') continue;
    try {
      const auto parity = parse_parity_report(text);
      if (o.on_report) {
        o.on_report(text);
        if (!parity && read_report(text).round > 0) ++rounds_seen;
        continue;
      }
      if (parity) {
        const double central = parity->central_loss;
        if (o.json) {
          std::printf("%s\n", text.c_str());
        } else {
          std::printf(
              "parity: federated held-out loss %.4f; one node on the union of the data, %lld steps: %.4f "
              "(federated/central %.3f)\n\n",
              previous_loss, static_cast<long long>(parity->central_steps), central,
              central > 0 ? previous_loss / central : 0.0);
        }
        std::fflush(stdout);
        continue;
      }
      auto v = read_report(text);
      if (o.json) {
        std::printf("%s\n", text.c_str());
        std::fflush(stdout);
      } else {
        print_table(v, previous_loss, o.solvers, roles);
      }
      previous_loss = v.held_out_loss;
      if (v.round > 0) ++rounds_seen;
    } catch (const std::exception& e) {  // a line that is not a report (nlohmann or read_report)
      spdlog::warn("simulate: unreadable report from the aggregator: {}", e.what());
    }
  }
  std::free(line);
  std::fclose(reports);
  // The aggregator has finished (or died): stop the others.
  for (auto& c : children)
    if (c.spec.role != "aggregator") ::kill(c.pid, SIGTERM);
  watcher.join();
  for (const auto& c : children) {
    if (c.spec.role == "aggregator" && !(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0) && failure.empty())
      failure = "the aggregator failed; last lines of " + c.log.string() + ":\n" + tail(c.log, 15);
  }
  if (!failure.empty()) {
    std::fprintf(stderr, "simulate: %s", failure.c_str());
    exit_code = 1;
  } else if (rounds_seen < o.rounds) {
    std::fprintf(stderr, "simulate: only %d of %d rounds closed\n", rounds_seen, o.rounds);
    exit_code = 1;
  } else if (!o.json) {
    std::printf("%d rounds closed; logs and state under %s\n", rounds_seen, state.c_str());
  }
  return exit_code;
}

}  // namespace atn
