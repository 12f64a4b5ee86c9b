#include "runtime/config/config_text.hpp"

#include <stdexcept>
#include <vector>

namespace atn {

const std::string& default_config_text() {
  static const std::string text = R"(# atn-node configuration.
# Written on first use; edit freely (comments and unknown sections are kept). A running node picks up
# changes without a restart. Paths may use ~, $HOME and $XDG_* (unset XDG variables take their
# XDG defaults); relative paths are relative to this file's directory.

paths:
  # Where the node keeps its feed, checkpoints, keys and status.json.
  state_dir: $XDG_DATA_HOME/atn-node
  # ATN's data directory (conversations/, agents/). Read only with train_on_agent_data.
  atn_dir: ~/.atn
  # Screen and browser frames from the capture tool. Read only with train_on_capture.
  capture_dir: ~/.atn/captures

# Nothing is read, not even counted, while its switch is off.
consent:
  # Learn from your agent conversations and tool executions (atn_dir and the event bus).
  # Change with: atn-node consent agent-data on|off
  train_on_agent_data: false
  # Learn from screen and browser frames (capture_dir and the frame stream).
  # Change with: atn-node consent capture on|off
  train_on_capture: false

privacy:
  # Records containing any of these case-insensitive substrings are dropped whole,
  # e.g. ["password", "internal.example.com"].
  exclude: []
  # Replace e-mail addresses, card numbers, SSNs and phone numbers by placeholders.
  scrub_pii: true

event_bus:
  # ZeroMQ endpoint of ATN's event bus, e.g. tcp://127.0.0.1:5556; "" = not subscribed.
  endpoint: ""

capture:
  # ZeroMQ endpoint of a live frame stream; "" = none (capture_dir only).
  frame_stream: ""
  # Frames whose window title, URL or source contains one of these (case-insensitive) are dropped.
  exclude_window_titles: []
  exclude_urls: []
  exclude_sources: []
  # Rectangles blurred in every frame, in source-image pixels, e.g. [{x: 0, y: 0, w: 1920, h: 40}].
  blur_regions: []
  # Frames per second kept per source.
  fps_cap: 2.0
  # Pixels per side fed to the model; 0 = the preset's.
  image_size: 0

feed:
  # On-disk budget of the ring buffer (bytes, or with KiB/MiB/GiB); the oldest records go first.
  max_bytes: 1GiB
  # Records older than this are dropped; 0 = keep any age.
  max_age_hours: 72
  # When records are made durable: every_flush, periodic or never.
  fsync: every_flush
  # A training cycle starts once this many new interactions arrived
  cycle_min_interactions: 32
  # and at least this long after the previous cycle.
  cycle_min_interval_seconds: 60

align:
  # Text and a frame pair up when at most this far apart.
  window_ms: 2000
  # Relative share of text-only, visual-only and multimodal samples in a batch.
  mix:
    text: 1.0
    visual: 1.0
    multimodal: 1.0

train:
  # Model preset: tiny, small or base.
  preset: small
  steps_per_cycle: 50
  batch: 8
  learning_rate: 0.001
  # Torch threads; 0 = all cores.
  threads: 0
  checkpoint_every_cycles: 1
  seed: 1

ledger:
  # Attest each training cycle on the ledger with the wallet <state_dir>/wallet.key (`atn-node wallet
  # new`) and earn for it. false: train without it; nothing is attested or earned.
  enabled: true
  # The ledger file; empty: ledger.sqlite beside the state dir, where the ledger commands look.
  path:
  # Stake the solver minimum from the wallet's balance when it holds no stake.
  auto_stake: true
)";
  return text;
}

namespace {

struct line {
  std::string_view body;  // without its terminator
  std::string_view eol;   // "\n", "\r\n" or "" for an unterminated last line
};

std::vector<line> split_lines(std::string_view text) {
  std::vector<line> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      lines.push_back({text.substr(pos), {}});
      break;
    }
    std::size_t end = nl;
    if (end > pos && text[end - 1] == '\r') --end;
    lines.push_back({text.substr(pos, end - pos), text.substr(end, nl + 1 - end)});
    pos = nl + 1;
  }
  return lines;
}

std::size_t indent_of(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && s[n] == ' ') ++n;
  return n;
}

bool blank_or_comment(std::string_view s) {
  std::size_t i = s.find_first_not_of(" \t");
  return i == std::string_view::npos || s[i] == '#';
}

// If `s` (from its indentation on) is `key:` followed by space, a comment or the end, the offset
// just past the colon; otherwise npos.
std::size_t key_colon_end(std::string_view s, std::size_t indent, std::string_view key) {
  if (s.size() < indent + key.size() + 1 || s.substr(indent, key.size()) != key) return std::string_view::npos;
  std::size_t i = indent + key.size();
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || s[i] != ':') return std::string_view::npos;
  ++i;
  if (i < s.size() && s[i] != ' ' && s[i] != '\t') return std::string_view::npos;
  return i;
}

// Where the value after `from` ends: at a " #" comment outside quotes, or at trailing spaces.
std::size_t value_end(std::string_view s, std::size_t from) {
  std::size_t i = from;
  if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
    const char q = s[i];
    std::size_t close = s.find(q, i + 1);
    i = close == std::string_view::npos ? s.size() : close + 1;
  }
  std::size_t comment = s.find(" #", i);
  if (comment == std::string_view::npos) comment = s.find("\t#", i);
  std::size_t end = comment == std::string_view::npos ? s.size() : comment;
  while (end > from && (s[end - 1] == ' ' || s[end - 1] == '\t')) --end;
  return end;
}

}  // namespace

std::string set_yaml_scalar(std::string_view text, std::string_view section, std::string_view key,
                            std::string_view value) {
  const std::vector<line> lines = split_lines(text);
  const std::string_view eol = !lines.empty() && lines[0].eol == "\r\n" ? "\r\n" : "\n";

  std::size_t header = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::size_t colon = key_colon_end(lines[i].body, 0, section);
    if (colon == std::string_view::npos) continue;
    std::string_view rest = lines[i].body.substr(colon);
    if (!blank_or_comment(rest))
      throw std::runtime_error("the `" + std::string(section) +
                               ":` section is not a block of `key: value` lines; edit it by hand");
    header = i;
    break;
  }

  std::string out;
  out.reserve(text.size() + key.size() + value.size() + section.size() + 8);
  if (header == lines.size()) {
    out.append(text);
    if (!out.empty() && out.back() != '\n') out.append(eol);
    out.append(section).append(":").append(eol);
    out.append("  ").append(key).append(": ").append(value).append(eol);
    return out;
  }

  // The section runs until the next line that starts in column 0 and is not a comment.
  std::size_t end = header + 1;
  std::size_t child_indent = 0;
  for (; end < lines.size(); ++end) {
    std::string_view b = lines[end].body;
    if (blank_or_comment(b)) continue;
    std::size_t ind = indent_of(b);
    if (ind == 0) break;
    if (child_indent == 0) child_indent = ind;
  }

  bool found = false;
  std::vector<std::string> edited(lines.size());
  for (std::size_t i = header + 1; i < end && child_indent > 0; ++i) {
    std::string_view b = lines[i].body;
    if (blank_or_comment(b) || indent_of(b) != child_indent) continue;
    std::size_t colon = key_colon_end(b, child_indent, key);
    if (colon == std::string_view::npos) continue;
    std::size_t start = colon;
    while (start < b.size() && (b[start] == ' ' || b[start] == '\t')) ++start;
    std::size_t stop = value_end(b, start);
    std::string repl(b.substr(0, colon));
    repl += ' ';
    repl += value;
    const std::string_view rest = b.substr(stop);
    const std::size_t hash = rest.find('#');
    if (hash == std::string_view::npos) {
      repl += rest;
    } else {
      // Keep a trailing comment in its column, with at least one space before it.
      const std::size_t column = stop + hash;
      repl.append(repl.size() < column ? column - repl.size() : 1, ' ');
      repl += rest.substr(hash);
    }
    edited[i] = std::move(repl);
    found = true;
  }

  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (found && !edited[i].empty())
      out.append(edited[i]);
    else
      out.append(lines[i].body);
    std::string_view e = lines[i].eol;
    if (i == header && !found && e.empty()) e = eol;
    out.append(e);
    if (i == header && !found) {
      out.append(child_indent > 0 ? child_indent : 2, ' ');
      out.append(key).append(": ").append(value).append(eol);
    }
  }
  return out;
}

}  // namespace atn
