// `atn-node sample-data`: writes the deterministic synthetic data set (see data/sample_data_generator.hpp).
#include "data/sample/sample_data_generator.hpp"
#include "data/sample/sample_domain_yaml.hpp"
#include "runtime/cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

namespace atn {

void add_sample_data_command(CLI::App& app) {
  struct arguments {
    std::string out;
    std::string domains;  // "" = the built-in domains
    sample_data_options options;
  };
  auto args = std::make_shared<arguments>();
  CLI::App* sub = app.add_subcommand(
      "sample-data", "Write deterministic synthetic ATN conversations, execution logs and screen frames");
  sub->add_option("--out", args->out, "Output directory (missing, empty, or an earlier sample-data output)")
      ->required();
  sub->add_option("--seed", args->options.seed, "Random seed; equal seeds give byte-identical output")
      ->capture_default_str();
  sub->add_option("--sessions-per-agent", args->options.sessions_per_agent, "Conversations per agent")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  sub->add_flag("--frames,!--no-frames", args->options.frames, "Render screen frames (default: yes)");
  sub->add_option("--frame-size", args->options.frame_size, "Frame width and height in pixels")
      ->check(CLI::Range(64, 4096))
      ->capture_default_str();
  sub->add_option("--domains", args->domains,
                  "Agent domains YAML in the form of data/sample/domains.yaml (default: that file, built in)");

  bind_command(sub, [args] {
    const auto started = std::chrono::steady_clock::now();
    const sample_data_generator generator =
        args->domains.empty() ? sample_data_generator(args->options)
                              : sample_data_generator(args->options, load_sample_domains(args->domains));
    const sample_data_summary s = generator.run(args->out);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf(
        "sample-data: %d agents, %d sessions, %d turns, %d executions, %d frames (%d idle); "
        "%llu files, %.1f MiB in %s (seed %llu, %.2f s)\n",
        s.agents, s.sessions, s.turns, s.executions, s.frames, s.idle_frames, static_cast<unsigned long long>(s.files),
        static_cast<double>(s.bytes) / (1024.0 * 1024.0), args->out.c_str(),
        static_cast<unsigned long long>(args->options.seed), seconds);
    return 0;
  });
}

}  // namespace atn
