// A ZeroMQ PUB socket bound to an ipc:// endpoint in a test directory, with a monitor that counts
// the connections peers make to it (to prove that a subscriber connected, or did not).
#pragma once

#include <zmq.h>
#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

namespace atn::test {

struct test_publisher {
  zmq::context_t context{1};
  zmq::socket_t pub{context, zmq::socket_type::pub};
  zmq::socket_t monitor{context, zmq::socket_type::pair};
  std::string endpoint;
  int accepted = 0;      ///< connections accepted so far (see pump)
  int disconnected = 0;  ///< connections closed by the peer so far

  explicit test_publisher(const std::filesystem::path& dir) : endpoint("ipc://" + (dir / "bus.sock").string()) {
    static std::atomic<int> counter{0};
    const std::string monitor_endpoint = "inproc://test-publisher-monitor-" + std::to_string(counter++);
    pub.set(zmq::sockopt::linger, 0);
    monitor.set(zmq::sockopt::linger, 0);
    if (zmq_socket_monitor(pub.handle(), monitor_endpoint.c_str(), ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0)
      throw zmq::error_t();
    monitor.connect(monitor_endpoint);
    pub.bind(endpoint);
  }

  void send(std::string_view text) { pub.send(zmq::buffer(text.data(), text.size()), zmq::send_flags::none); }

  void send_with_topic(std::string_view topic, std::string_view text) {
    pub.send(zmq::buffer(topic.data(), topic.size()), zmq::send_flags::sndmore);
    send(text);
  }

  /// Reads the monitor's events, waiting up to `wait` for the first.
  void pump(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
    zmq::pollitem_t item{monitor.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, wait);
    for (;;) {
      zmq::message_t head, address;
      if (!monitor.recv(head, zmq::recv_flags::dontwait)) return;
      if (head.more()) (void)monitor.recv(address);
      std::uint16_t event = 0;
      if (head.size() >= sizeof event) std::memcpy(&event, head.data(), sizeof event);
      if (event == ZMQ_EVENT_ACCEPTED) ++accepted;
      if (event == ZMQ_EVENT_DISCONNECTED) ++disconnected;
    }
  }
};

}  // namespace atn::test
