// Paints the synthetic screen frames of the sample data: one UI-like layout per agent domain.
#pragma once

#include "data/frame_renderer.hpp"
#include "data/sample/sample_domain.hpp"
#include "data/sample/sample_random.hpp"
#include "data/sample/sample_slots.hpp"

#include <string>
#include <vector>

namespace atn {

/// One line of the chat panel: who spoke ("user", "assistant", "system") and what they said.
struct sample_chat_line {
  std::string role;
  std::string text;
};

/// Draws a domain's app window: a title bar with the app name and window title, an address bar
/// (browser) or menu bar (desktop app), the domain's main view (calendar grid, mail list, code
/// editor, price chart, vitals cards, route map) and, when there is conversation, a chat panel
/// with the latest turns in the 5x7 font.
class sample_screen {
 public:
  /// Frames of `size` x `size` pixels; `size` must be at least 64.
  sample_screen(const sample_domain& domain, int size);

  /// Paints one frame. Entities shown in the main view come from `slots` (so they match the
  /// conversation) and layout variation from `random`; equal inputs give equal pixels.
  frame_renderer paint(const std::string& window_title, const std::string& url,
                       const std::vector<sample_chat_line>& chat, sample_slots& slots, sample_random& random) const;

 private:
  int px(int v) const { return v * size_ / 224; }
  void draw_chrome(frame_renderer& f, const std::string& title, const std::string& url) const;
  void draw_chat(frame_renderer& f, int top, const std::vector<sample_chat_line>& chat) const;
  void draw_calendar(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const;
  void draw_mail(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const;
  void draw_code(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const;
  void draw_finance(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const;
  void draw_health(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const;
  void draw_travel(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const;

  const sample_domain& domain_;
  int size_;
  int scale_;  // text scale: 1 up to 447 pixels, then 2, ...
};

}  // namespace atn
