#include "runtime/cli/simulation.hpp"

#include "data/sample/sample_data_generator.hpp"
#include "runtime/cli/simulation_keys.hpp"
#include "runtime/cli/simulation_ledger.hpp"
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

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
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
  std::string jurisdiction = "default";
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

// --- the cast ------------------------------------------------------------------------------

std::string jurisdiction_name(const simulation_options& o, int j) {
  return o.jurisdictions == 1 ? "default" : "j" + std::to_string(j + 1);
}

std::string aggregator_id(const simulation_options& o, int j) {
  return o.jurisdictions == 1 ? "aggregator" : "aggregator-" + jurisdiction_name(o, j);
}

// Ids, roles, ports, data slices and jurisdictions: solver i and coordinator i serve jurisdiction
// i mod J; each jurisdiction has its aggregator, and with J > 1 the network aggregator joins them.
std::vector<node_spec> cast_of(const simulation_options& o) {
  std::vector<node_spec> nodes;
  for (int j = 0; j < o.jurisdictions; ++j)
    nodes.push_back({aggregator_id(o, j), "aggregator", free_port(), 0, 1, "none", jurisdiction_name(o, j)});
  for (int i = 0; i < o.coordinators; ++i)
    nodes.push_back({"coordinator-" + std::to_string(i + 1), "coordinator", free_port(), i, o.coordinators, "none",
                     jurisdiction_name(o, i % o.jurisdictions)});
  for (int i = 0; i < o.solvers; ++i) {
    const bool byzantine = i >= o.solvers - o.byzantine;
    nodes.push_back({"solver-" + std::to_string(i + 1), "solver", free_port(), i, o.solvers,
                     byzantine ? o.attack : "none", jurisdiction_name(o, i % o.jurisdictions)});
  }
  if (o.jurisdictions > 1) nodes.push_back({"network", "network", free_port(), 0, 1, "none", ""});
  return nodes;
}

// Whom a node talks to: its jurisdiction; the aggregators also the network aggregator, and it them.
bool are_peers(const node_spec& a, const node_spec& b) {
  if (a.id == b.id) return false;
  if (a.role == "network") return b.role == "aggregator";
  if (b.role == "network") return a.role == "aggregator";
  return a.jurisdiction == b.jurisdiction;
}

std::vector<std::string> node_argv(const simulation_options& o, const node_spec& n, const std::vector<node_spec>& nodes,
                                   const std::string& exe, const fs::path& dir, const fs::path& data_dir,
                                   const fs::path& images_dir, simulation_ledger* book,
                                   const std::map<std::string, std::string>& public_keys) {
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
  if (!n.jurisdiction.empty()) argv.insert(argv.end(), {"--jurisdiction", n.jurisdiction});
  if (!images_dir.empty()) argv.insert(argv.end(), {"--images", images_dir.string()});
  for (const auto& p : nodes)
    if (are_peers(n, p))
      argv.insert(argv.end(), {"--peer", p.id + "=" + endpoint(p.port) + "," + public_keys.at(p.id)});
  if (o.trace) argv.insert(argv.end(), {"--trace", (dir / "trace.jsonl").string()});
  if (book)
    argv.insert(argv.end(), {"--ledger", book->path().string()});
  else
    argv.push_back("--no-ledger");
  std::vector<std::string> solvers, coordinators;
  for (const auto& p : nodes) {
    if (p.jurisdiction != n.jurisdiction) continue;
    if (p.role == "solver") solvers.push_back(p.id);
    if (p.role == "coordinator") coordinators.push_back(p.id);
  }
  if (n.role == "aggregator") {
    const auto t = std::to_string(o.phase_timeout_seconds);
    argv.insert(argv.end(), {"--solvers",
                             join(solvers),
                             "--coordinators",
                             join(coordinators),
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
                             t,
                             "--slash-fraction",
                             o.slash_fraction});
    if (o.jurisdictions > 1) argv.insert(argv.end(), {"--network-aggregator", "network"});
    if (book)
      for (const auto& p : nodes)
        if (p.jurisdiction == n.jurisdiction && p.id != n.id)
          argv.insert(argv.end(), {"--peer-wallet", p.id + "=" + book->addresses().at(p.id).to_string()});
    if (o.parity && o.jurisdictions == 1)
      argv.insert(argv.end(),
                  {"--parity-steps", std::to_string(static_cast<std::int64_t>(o.solvers) * o.rounds * o.steps)});
    // A fresh simulation starts from round 1: forget an earlier run's journal.
    fs::remove_all(dir / "aggregator");
  }
  if (n.role == "network") {
    argv.insert(argv.end(), {"--rounds", std::to_string(o.rounds), "--json-reports"});
    for (const auto& p : nodes)
      if (p.role == "aggregator") argv.insert(argv.end(), {"--aggregator-of", p.jurisdiction + "=" + p.id});
    fs::remove_all(dir / "network");
  }
  if (n.role == "solver") argv.insert(argv.end(), {"--attack", n.attack});
  if (n.role == "coordinator") argv.insert(argv.end(), {"--reference-steps", std::to_string(o.reference_steps)});
  return argv;
}

// The JSON lines of every reporting node (aggregators, the network aggregator), one reader thread
// per pipe, handed to the main thread in arrival order.
class report_queue {
 public:
  ~report_queue() {
    for (auto& t : readers_) t.join();
  }
  void follow(int fd) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++open_;
    readers_.emplace_back([this, fd] { read(fd); });
  }
  // No more pipes come.
  void start_done() {
    std::lock_guard<std::mutex> lock(mutex_);
    started_ = true;
    ready_.notify_all();
  }
  // The next line; false once every pipe is closed and read.
  bool next(std::string& line) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return !lines_.empty() || (started_ && open_ == 0); });
    if (lines_.empty()) return false;
    line = std::move(lines_.front());
    lines_.pop_front();
    return true;
  }

 private:
  void read(int fd) {
    FILE* in = ::fdopen(fd, "r");
    char* buf = nullptr;
    std::size_t cap = 0;
    while (::getline(&buf, &cap, in) > 0) {
      std::string text(buf);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      if (text.empty() || text.front() != '{') continue;
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(std::move(text));
      ready_.notify_all();
    }
    std::free(buf);
    std::fclose(in);
    std::lock_guard<std::mutex> lock(mutex_);
    --open_;
    ready_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> lines_;
  std::vector<std::thread> readers_;
  int open_ = 0;
  bool started_ = false;
};

// --- the per-round table -------------------------------------------------------------------

// A report line the aggregator wrote, or the reason it cannot be read (the line is then skipped).
round_report read_report(const std::string& line) {
  auto r = parse_round_report(line);
  if (!r) throw std::runtime_error(r.error());
  return *std::move(r);
}

void print_table(const round_report& v, double previous_loss, const std::map<std::string, std::string>& roles,
                 bool name_jurisdiction) {
  char buf[512];
  const std::string where = name_jurisdiction ? "jurisdiction " + v.jurisdiction + "  " : "";
  if (v.round == 0) {
    std::printf("%sround 0  initial model %s  held-out loss %.4f  cosine %.3f\n\n", where.c_str(),
                v.version.substr(0, 12).c_str(), v.held_out_loss, v.held_out_cosine);
    return;
  }
  std::printf("%sround %lld  model %s -> %s\n", where.c_str(), static_cast<long long>(v.round),
              v.previous_version.substr(0, 12).c_str(), v.version.substr(0, 12).c_str());
  std::printf("  held-out loss %.4f -> %.4f (%+.2f %%)  cosine %.3f\n", previous_loss, v.held_out_loss,
              previous_loss > 0 ? 100.0 * (v.held_out_loss - previous_loss) / previous_loss : 0.0, v.held_out_cosine);
  std::size_t solvers = 0;
  for (const auto& u : v.uids) solvers += roles.count(u) && roles.at(u).rfind("solver", 0) == 0;
  std::printf("  commits %llu/%zu  reveals %llu  score vectors %llu  accepted %zu",
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

void print_network(const network_report& n) {
  std::printf("network round %lld  model %s =", static_cast<long long>(n.round), n.version.substr(0, 12).c_str());
  std::int64_t total = 0;
  for (auto s : n.samples) total += s;
  for (std::size_t i = 0; i < n.jurisdictions.size(); ++i)
    std::printf("%s %s %s (%lld samples)", i ? " +" : "", n.jurisdictions[i].c_str(),
                n.versions[i].substr(0, 12).c_str(), static_cast<long long>(n.samples[i]));
  std::printf("  weighted by samples (%lld in all), %.2f s\n\n", static_cast<long long>(total), n.seconds);
}

// Each node of the round's jurisdiction on the ledger: balance, stake, units attested for this round,
// rewards settled so far (an epoch's rewards are settled once it has ended).
void print_ledger(simulation_ledger& book, const round_report& v, const std::vector<node_spec>& nodes) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "  %-15s %-26s %-26s %8s  %s\n", "ledger (epoch", "balance", "stake", "attested",
                "rewards settled");
  std::string head = buf;
  head.replace(head.find("(epoch"), 6, "epoch " + std::to_string(book.ledger().current_epoch()));
  std::fputs(head.c_str(), stdout);
  for (const auto& n : nodes) {
    if (n.jurisdiction != v.jurisdiction || n.role == "network") continue;
    const auto s = book.standing(n.id, v.jurisdiction, v.round);
    std::snprintf(buf, sizeof buf, "  %-15s %-26s %-26s %8llu  %s\n", n.id.c_str(), s.balance.to_string().c_str(),
                  s.stake.to_string().c_str(), static_cast<unsigned long long>(s.round_units),
                  s.rewards.to_string().c_str());
    std::fputs(buf, stdout);
  }
  std::printf("\n");
}

// After the last round: claim every reward once its epoch is final, print the final standing and
// audit the ledger (replay every row from genesis). False when the audit fails.
bool settle_and_audit(simulation_ledger& book, const std::vector<node_spec>& nodes, bool quiet) {
  const auto claimed = book.claim_rewards();
  if (!quiet) {
    std::printf("%-15s %-44s %-26s %-26s %s\n", "node", "wallet", "balance", "stake", "rewards claimed");
    for (const auto& n : nodes) {
      if (n.role == "network") continue;
      const auto s = book.standing(n.id, n.jurisdiction, 0);
      const auto c = claimed.count(n.id) ? claimed.at(n.id) : ledger::amount{};
      std::printf("%-15s %-44s %-26s %-26s %s\n", n.id.c_str(), book.addresses().at(n.id).to_string().c_str(),
                  s.balance.to_string().c_str(), s.stake.to_string().c_str(), c.to_string().c_str());
    }
  }
  const auto audit = book.ledger().audit();
  if (!audit.ok) {
    std::fprintf(stderr, "simulate: the ledger audit FAILED after %llu transactions:\n",
                 static_cast<unsigned long long>(audit.transactions));
    for (const auto& p : audit.problems) std::fprintf(stderr, "  %s\n", p.c_str());
    return false;
  }
  const auto t = book.ledger().totals();
  if (!quiet)
    std::printf(
        "\nledger audit: %llu transactions replayed from genesis, every invariant holds, state digest 0x%s "
        "matches; supply %s = genesis %s + minted %s - burned %s\n\n",
        static_cast<unsigned long long>(audit.transactions), ledger::to_hex(audit.live_digest).c_str(),
        t.total_supply().to_string().c_str(), t.genesis_supply.to_string().c_str(), t.minted.to_string().c_str(),
        t.burned.to_string().c_str());
  return true;
}

}  // namespace

int run_simulation(const simulation_options& o) {
  if (o.solvers < 1 || o.coordinators < 1 || o.rounds < 1 || o.jurisdictions < 1)
    throw std::invalid_argument(
        "a simulation needs at least one solver, one coordinator, one round and one "
        "jurisdiction");
  if (o.solvers < o.jurisdictions || o.coordinators < o.jurisdictions)
    throw std::invalid_argument("--jurisdictions " + std::to_string(o.jurisdictions) +
                                " needs at least as many solvers and coordinators (each jurisdiction has its own)");
  if (o.byzantine < 0 || o.byzantine > o.solvers)
    throw std::invalid_argument("--byzantine " + std::to_string(o.byzantine) + " is more than the solvers");
  if (o.ledger && o.epoch_seconds < 1)
    throw std::invalid_argument("--epoch-seconds " + std::to_string(o.epoch_seconds) + " must be at least 1");
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

  const auto nodes = cast_of(o);
  std::map<std::string, std::string> roles;
  for (const auto& n : nodes) roles[n.id] = n.role + (n.attack != "none" ? "*" : "");

  std::printf(
      "simulation: %d solvers (%d Byzantine: %s), %d coordinators, %d jurisdiction%s, %d rounds of %lld steps, "
      "preset %s, state in %s\n",
      o.solvers, o.byzantine, o.byzantine ? o.attack.c_str() : "-", o.coordinators, o.jurisdictions,
      o.jurisdictions == 1 ? "" : "s", o.rounds, static_cast<long long>(o.steps), o.preset.c_str(), state.c_str());
  std::unique_ptr<simulation_ledger> book;
  if (o.ledger) {
    std::vector<simulation_participant> participants;
    for (const auto& n : nodes)
      if (n.role != "network") participants.push_back({n.id, state / n.id, n.role == "aggregator"});
    book = std::make_unique<simulation_ledger>(state, participants, o.epoch_seconds);
    std::printf("ledger %s: every node funded with %s, epochs of %lld s; nodes stake for their roles themselves\n",
                book->path().c_str(), simulation_ledger::participant_funds().to_string().c_str(),
                static_cast<long long>(o.epoch_seconds));
  } else {
    std::printf("no ledger (--no-ledger): nothing is staked, attested or rewarded\n");
  }
  std::printf("\n");
  std::fflush(stdout);

  std::vector<child> children;
  std::mutex children_mutex;
  auto kill_all = [&](int sig) {
    std::lock_guard<std::mutex> lock(children_mutex);
    for (auto& c : children)
      if (!c.exited) ::kill(c.pid, sig);
  };
  std::vector<std::string> ids;  // CURVE: every node's key pair in its state dir, its public key to its peers
  for (const auto& n : nodes) ids.push_back(n.id);
  const auto public_keys = make_simulation_keys(state, ids);
  report_queue reports;
  auto start = [&](const node_spec& n) {
    const auto dir = state / n.id;
    fs::create_directories(dir);
    auto argv = node_argv(o, n, nodes, exe, dir, data_dir, images_dir, book.get(), public_keys);
    child c;
    c.spec = n;
    c.log = dir / "node.log";
    int report_fd = -1;
    if (n.role == "aggregator" || n.role == "network") {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
      report_fd = p[1];
      reports.follow(p[0]);
    }
    c.pid = spawn_process(argv, c.log, report_fd);
    if (report_fd >= 0) ::close(report_fd);
    std::lock_guard<std::mutex> lock(children_mutex);
    children.push_back(c);
  };

  std::string failure;
  std::atomic<bool> watching{true};
  std::thread watcher([&] {
    while (watching.load()) {
      {
        std::lock_guard<std::mutex> lock(children_mutex);
        for (auto& c : children) {
          if (c.exited) continue;
          int status = 0;
          if (::waitpid(c.pid, &status, WNOHANG) != c.pid) continue;
          c.exited = true;
          c.status = status;
          const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
          if (!clean && failure.empty() && !stop.load()) {
            failure = c.spec.id + " stopped (" +
                      (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                         : "signal " + std::to_string(WTERMSIG(status))) +
                      "); last lines of " + c.log.string() + ":\n" + tail(c.log, 15);
            for (auto& other : children)
              if (!other.exited) ::kill(other.pid, SIGTERM);
          }
        }
      }
      if (stop.load()) kill_all(SIGTERM);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  auto failed = [&] {
    std::lock_guard<std::mutex> lock(children_mutex);
    return !failure.empty();
  };
  auto finish_watching = [&] {
    {
      std::lock_guard<std::mutex> lock(children_mutex);
      for (auto& c : children)
        if (!c.exited && c.spec.role != "aggregator" && c.spec.role != "network") ::kill(c.pid, SIGTERM);
    }
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(children_mutex);
        bool all = true;
        for (const auto& c : children) all = all && c.exited;
        if (all) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    watching = false;
    watcher.join();
  };

  // Aggregators first: with a ledger each founds its jurisdiction, which the others then join.
  for (const auto& n : nodes)
    if (n.role == "aggregator") start(n);
  if (book) {
    for (const auto& n : nodes) {
      if (n.role != "aggregator") continue;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      while (!book->jurisdiction_exists(n.jurisdiction) && !failed() && !stop.load()) {
        if (std::chrono::steady_clock::now() > deadline) {
          std::lock_guard<std::mutex> lock(children_mutex);
          failure = n.id + " did not create jurisdiction '" + n.jurisdiction + "' within 120 s; see " +
                    (state / n.id / "node.log").string() + "\n";
          for (auto& c : children)
            if (!c.exited) ::kill(c.pid, SIGTERM);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  if (!failed())
    for (const auto& n : nodes)
      if (n.role != "aggregator") start(n);
  reports.start_done();

  // Read the reports (aggregators and the network aggregator) while the watcher looks after the nodes.
  std::map<std::string, int> rounds_seen;
  std::map<std::string, double> previous_loss;
  for (std::string text; reports.next(text);) {
    try {
      if (o.on_report) o.on_report(text);
      const auto parity = parse_parity_report(text);
      const auto network = parity ? parse_result<network_report>::failure("") : parse_network_report(text);
      std::optional<round_report> round;
      if (!parity && !network) {
        round = read_report(text);
        if (round->round > 0) ++rounds_seen[round->jurisdiction];
      }
      if (o.on_report) continue;
      if (o.json) {
        std::printf("%s\n", text.c_str());
        std::fflush(stdout);
        continue;
      }
      if (parity) {
        const double central = parity->central_loss;
        const double federated = previous_loss.empty() ? -1 : previous_loss.begin()->second;
        std::printf(
            "parity: federated held-out loss %.4f; one node on the union of the data, %lld steps: %.4f "
            "(federated/central %.3f)\n\n",
            federated, static_cast<long long>(parity->central_steps), central, central > 0 ? federated / central : 0.0);
      } else if (network) {
        print_network(*network);
      } else {
        const auto& v = *round;
        const double before = previous_loss.count(v.jurisdiction) ? previous_loss[v.jurisdiction] : -1;
        print_table(v, before, roles, o.jurisdictions > 1);
        if (book && v.round > 0) print_ledger(*book, v, nodes);
        previous_loss[v.jurisdiction] = v.held_out_loss;
      }
      std::fflush(stdout);
    } catch (const std::exception& e) {  // a line that is not a report (nlohmann or read_report)
      spdlog::warn("simulate: unreadable report: {}", e.what());
    }
  }
  // The aggregators have finished (or died): stop the others.
  finish_watching();
  for (const auto& c : children) {
    const bool reporter = c.spec.role == "aggregator" || c.spec.role == "network";
    if (reporter && !(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0) && failure.empty())
      failure = c.spec.id + " failed; last lines of " + c.log.string() + ":\n" + tail(c.log, 15);
  }
  int closed = o.rounds;
  for (const auto& n : nodes)
    if (n.role == "aggregator") closed = std::min(closed, rounds_seen[n.jurisdiction]);
  if (failure.empty() && closed < o.rounds)
    failure =
        "only " + std::to_string(closed) + " of " + std::to_string(o.rounds) + " rounds closed in every jurisdiction\n";
  if (!failure.empty()) {
    std::fprintf(stderr, "simulate: %s", failure.c_str());
    return 1;
  }
  if (book && !settle_and_audit(*book, nodes, o.json || o.on_report)) return 1;
  if (!o.json && !o.on_report) std::printf("%d rounds closed; logs and state under %s\n", closed, state.c_str());
  return 0;
}

}  // namespace atn
