// Captures what the code under test logs through spdlog's default logger, for tests that assert
// what is said and how often; the previous default logger is restored on destruction.
#pragma once

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace atn::test {

/// Every line logged at `level` or above while it lives (any thread), as the message text.
class log_capture {
 public:
  explicit log_capture(spdlog::level::level_enum level = spdlog::level::info)
      : sink_(std::make_shared<sink>()), previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("test_capture", sink_);
    logger->set_level(level);
    spdlog::set_default_logger(std::move(logger));
  }
  ~log_capture() { spdlog::set_default_logger(previous_); }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  /// A copy of the lines so far.
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(sink_->lines_mutex);
    return sink_->lines;
  }

  /// The lines so far that contain `text`.
  std::vector<std::string> lines_with(const std::string& text) const {
    std::vector<std::string> out;
    for (auto& l : lines())
      if (l.find(text) != std::string::npos) out.push_back(std::move(l));
    return out;
  }

  /// How many lines so far contain `text`.
  std::size_t count(const std::string& text) const { return lines_with(text).size(); }

 private:
  struct sink : spdlog::sinks::base_sink<std::mutex> {
    std::mutex lines_mutex;  // base_sink's mutex guards sink_it_ only; readers take this one
    std::vector<std::string> lines;

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      std::lock_guard<std::mutex> lock(lines_mutex);
      lines.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}
  };

  std::shared_ptr<sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace atn::test
