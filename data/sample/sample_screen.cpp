#include "data/sample/sample_screen.hpp"

#include <algorithm>
#include <stdexcept>

namespace atn {

namespace {
constexpr rgb_color hex(std::uint32_t v) { return rgb_color::hex(v); }

rgb_color mix(rgb_color a, rgb_color b, int num, int den) {
  auto m = [&](int x, int y) { return static_cast<std::uint8_t>(x + (y - x) * num / den); };
  return rgb_color{m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

sample_screen::sample_screen(const sample_domain& domain, int size)
    : domain_(domain), size_(size), scale_(std::max(1, size / 224)) {
  if (size < 64) throw std::invalid_argument("sample_screen: frame size must be at least 64");
}

frame_renderer sample_screen::paint(const std::string& window_title, const std::string& url,
                                    const std::vector<sample_chat_line>& chat, sample_slots& slots,
                                    sample_random& random) const {
  frame_renderer f(size_, size_, domain_.palette.background);
  draw_chrome(f, window_title, url);
  const int top = px(26);
  const int chat_top = chat.empty() ? size_ : size_ - px(72);
  switch (domain_.layout) {
    case sample_layout::calendar:
      draw_calendar(f, top, chat_top, slots, random);
      break;
    case sample_layout::mail:
      draw_mail(f, top, chat_top, slots, random);
      break;
    case sample_layout::code:
      draw_code(f, top, chat_top, slots, random);
      break;
    case sample_layout::finance:
      draw_finance(f, top, chat_top, slots, random);
      break;
    case sample_layout::health:
      draw_health(f, top, chat_top, slots, random);
      break;
    case sample_layout::travel:
      draw_travel(f, top, chat_top, slots, random);
      break;
  }
  if (!chat.empty()) draw_chat(f, chat_top, chat);
  return f;
}

void sample_screen::draw_chrome(frame_renderer& f, const std::string& title, const std::string& url) const {
  const auto& p = domain_.palette;
  const int bar = px(14);
  const int ty = (bar - 7 * scale_) / 2;
  f.fill_rect(0, 0, size_, bar, p.title_bar);
  f.fill_circle(px(6), bar / 2, px(2), hex(0xff5f57));
  f.fill_circle(px(13), bar / 2, px(2), hex(0xfebc2e));
  f.fill_circle(px(20), bar / 2, px(2), hex(0x28c840));
  int x = f.text(px(27), ty, domain_.app_name, p.title_text, scale_);
  // The app name is drawn twice, one pixel apart, to read as bold.
  f.text(px(27) + 1, ty, domain_.app_name, p.title_text, scale_);
  x += px(4);
  f.text(x, ty, frame_renderer::clip(title, size_ - x - px(3), scale_), mix(p.title_text, p.title_bar, 1, 3), scale_);

  const int y = bar;
  const int h = px(12);
  if (domain_.source_id == "browser") {
    f.fill_rect(0, y, size_, h, mix(p.title_bar, hex(0xffffff), 5, 6));
    f.fill_rect(px(4), y + px(2), size_ - px(8), h - px(4), hex(0xffffff));
    f.stroke_rect(px(4), y + px(2), size_ - px(8), h - px(4), hex(0xd0d0d0));
    f.text(px(7), y + (h - 7 * scale_) / 2, frame_renderer::clip(url, size_ - px(14), scale_), hex(0x5f6368), scale_);
  } else {
    f.fill_rect(0, y, size_, h, p.panel);
    int mx = px(4);
    for (const char* item : {"File", "Edit", "View", "Go", "Help"})
      mx = f.text(mx, y + (h - 7 * scale_) / 2, item, p.muted, scale_) + px(8);
  }
}

void sample_screen::draw_chat(frame_renderer& f, int top, const std::vector<sample_chat_line>& chat) const {
  const auto& p = domain_.palette;
  f.fill_rect(0, top, size_, size_ - top, p.panel);
  f.fill_rect(0, top, size_, std::max(1, px(1)), p.accent);
  const int line_h = frame_renderer::line_height * scale_;
  const int max_lines = (size_ - top - px(4)) / line_h;
  const int width = size_ - px(8);

  struct line {
    std::string text;
    std::size_t label;  // characters of the line drawn as the role label
    bool user;
  };
  // Newest turn first, then older ones while there is room.
  std::vector<line> lines;
  for (auto it = chat.rbegin(); it != chat.rend() && static_cast<int>(lines.size()) < max_lines; ++it) {
    const std::string label = it->role == "user" ? "You: " : it->role == "assistant" ? "Agent: " : "System: ";
    std::vector<std::string> wrapped = frame_renderer::wrap(label + it->text, width, scale_);
    const int room = max_lines - static_cast<int>(lines.size());
    if (static_cast<int>(wrapped.size()) > room) {
      if (!lines.empty()) break;  // older turns are only shown whole
      wrapped.resize(static_cast<std::size_t>(room));
      wrapped.back() = frame_renderer::clip(wrapped.back() + "...", width, scale_);
    }
    std::vector<line> block;
    for (std::size_t i = 0; i < wrapped.size(); ++i)
      block.push_back({wrapped[i], i == 0 ? label.size() - 1 : 0, it->role == "user"});
    lines.insert(lines.begin(), block.begin(), block.end());
  }
  int y = top + px(4);
  for (const auto& l : lines) {
    const rgb_color body = l.user ? p.text : mix(p.text, p.accent, 1, 3);
    f.text(px(4), y, l.text, body, scale_);
    if (l.label > 0) f.text(px(4), y, l.text.substr(0, l.label), l.user ? p.accent2 : p.accent, scale_);
    y += line_h;
  }
}

void sample_screen::draw_calendar(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const {
  const auto& p = domain_.palette;
  const int gutter = px(18), header = px(11);
  const int col_w = (size_ - gutter) / 5;
  const int hours = 10;
  const int row_h = std::max(1, (bottom - top - header) / hours);
  const char* days[] = {"Mon", "Tue", "Wed", "Thu", "Fri"};
  const int today = static_cast<int>(r.below(5));
  f.fill_rect(gutter + today * col_w, top, col_w, bottom - top, hex(0xe8f0fe));
  for (int d = 0; d < 5; ++d) {
    const int x = gutter + d * col_w;
    f.text(x + px(3), top + px(2), days[d], d == today ? p.accent : p.muted, scale_);
    f.fill_rect(x, top, 1, bottom - top, hex(0xdadce0));
  }
  for (int h = 0; h < hours; ++h) {
    const int y = top + header + h * row_h;
    f.fill_rect(gutter, y, size_ - gutter, 1, hex(0xdadce0));
    f.text(px(2), y + 1, std::to_string(8 + h), p.muted, scale_);
  }
  const rgb_color colors[] = {p.accent, p.accent2, hex(0xf9ab00), hex(0xa142f4), hex(0xe8710a)};
  const int events = static_cast<int>(r.between(4, 7));
  for (int e = 0; e < events; ++e) {
    const int d = e < 2 ? today : static_cast<int>(r.below(5));
    const int h = static_cast<int>(r.below(hours - 1));
    const int len = static_cast<int>(r.between(1, 2));
    const int x = gutter + d * col_w + 1, y = top + header + h * row_h + 1;
    const int w = col_w - 2, hgt = std::min(len * row_h - 2, bottom - y - 1);
    if (hgt <= 0) continue;
    const rgb_color c = colors[e % 5];
    f.fill_rect(x, y, w, hgt, c);
    f.fill_rect(x, y, std::max(1, px(2)), hgt, mix(c, hex(0x000000), 1, 4));
    const std::string name = s.text(e == 0 ? "{meeting}" : "{meeting" + std::to_string(e + 1) + "}");
    f.text(x + px(3), y + px(2), frame_renderer::clip(name, w - px(4), scale_), hex(0xffffff), scale_);
  }
}

void sample_screen::draw_mail(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const {
  const auto& p = domain_.palette;
  const int side = px(58);
  f.fill_rect(0, top, side, bottom - top, p.panel);
  f.fill_rect(px(4), top + px(4), side - px(8), px(12), p.accent);
  f.text(px(8), top + px(6), "Compose", hex(0xffffff), scale_);
  const std::string folders[] = {"Inbox " + s.value("unread"), "Starred", "Sent", "Drafts", s.value("folder")};
  int y = top + px(22);
  for (int i = 0; i < 5 && y < bottom - px(8); ++i, y += px(11)) {
    if (i == 0) f.fill_rect(0, y - px(2), side, px(11), hex(0xfce8e6));
    f.text(px(6), y, frame_renderer::clip(folders[i], side - px(8), scale_), i == 0 ? p.accent : p.text, scale_);
  }
  const int row_h = px(19);
  const int selected = static_cast<int>(r.below(3));
  int row = 0;
  for (int yy = top; yy + row_h <= bottom; yy += row_h, ++row) {
    const std::string n = row == 0 ? "" : std::to_string(row + 1);
    if (row == selected) f.fill_rect(side, yy, size_ - side, row_h, hex(0xc2dbff));
    const bool unread = row < 2 || r.percent(40);
    if (unread) f.fill_circle(side + px(5), yy + px(5), std::max(1, px(2)), p.accent);
    const int x = side + px(10), w = size_ - x - px(3);
    const std::string sender = s.text("{person" + n + "}");
    f.text(x, yy + px(2), frame_renderer::clip(sender, w, scale_), p.text, scale_);
    if (unread) f.text(x + 1, yy + px(2), frame_renderer::clip(sender, w, scale_), p.text, scale_);
    f.text(x, yy + px(10), frame_renderer::clip(s.text("{subject" + n + "}"), w, scale_), p.muted, scale_);
    f.fill_rect(side, yy + row_h - 1, size_ - side, 1, hex(0xe0e0e0));
  }
}

void sample_screen::draw_code(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const {
  const auto& p = domain_.palette;
  const int tab_h = px(11);
  f.fill_rect(0, top, size_, tab_h, p.panel);
  const std::string file = base_name(s.value("file"));
  const int tab_w = frame_renderer::text_width(file, scale_) + px(10);
  f.fill_rect(0, top, tab_w, tab_h, p.background);
  f.fill_rect(0, top, tab_w, std::max(1, px(1)), p.accent);
  f.text(px(5), top + px(2), file, p.text, scale_);

  const int term_h = bottom - top > px(90) ? px(26) : 0;
  const int code_bottom = bottom - term_h;
  const int line_h = frame_renderer::line_height * scale_;
  const int gutter = frame_renderer::text_width("000", scale_) + px(5);
  const std::string func = s.value("file.func");
  const rgb_color kw = hex(0xc586c0), fn = hex(0xdcdcaa), str = hex(0xce9178), com = hex(0x6a9955), num = hex(0xb5cea8),
                  ident = hex(0x9cdcfe);
  const int first_line = static_cast<int>(r.between(12, 180));
  const int error_line = static_cast<int>(r.between(3, 7));
  int y = top + tab_h + px(2);
  int indent = 0;
  for (int i = 0; y + line_h <= code_bottom; ++i, y += line_h) {
    f.text(px(1), y, std::to_string(first_line + i), p.muted, scale_);
    int x = gutter + indent * 2 * frame_renderer::glyph_advance * scale_;
    const int kind = i == 0 ? 0 : 1 + static_cast<int>(r.below(5));
    switch (kind) {
      case 0:
        x = f.text(x, y, "fn ", kw, scale_);
        x = f.text(x, y, func, fn, scale_);
        f.text(x, y, "(ctx, item) {", p.text, scale_);
        indent = 1;
        break;
      case 1:
        x = f.text(x, y, "if ", kw, scale_);
        f.text(x, y, "item.total > 0 {", ident, scale_);
        indent = std::min(indent + 1, 3);
        break;
      case 2:
        x = f.text(x, y, "let ", kw, scale_);
        x = f.text(x, y, "n = ", ident, scale_);
        f.text(x, y, std::to_string(r.between(2, 999)) + ";", num, scale_);
        break;
      case 3:
        f.text(x, y, frame_renderer::clip("// " + s.value("file.fix"), size_ - x, scale_), com, scale_);
        break;
      case 4:
        x = f.text(x, y, "log(", fn, scale_);
        f.text(x, y, frame_renderer::clip("\"" + s.value("repo") + "\");", size_ - x, scale_), str, scale_);
        break;
      default:
        f.text(x, y, "}", p.text, scale_);
        indent = std::max(indent - 1, 0);
        break;
    }
    if (i == error_line) {  // the failing line gets a red squiggle
      for (int xx = gutter; xx < size_ - px(20); xx += 2) f.plot(xx, y + 8 * scale_ + (xx / 2) % 2, hex(0xf14c4c));
    }
  }
  if (term_h > 0) {
    const int ty = bottom - term_h;
    f.fill_rect(0, ty, size_, term_h, hex(0x111111));
    f.fill_rect(0, ty, size_, 1, hex(0x444444));
    f.text(px(3), ty + px(3), "TERMINAL", p.muted, scale_);
    f.text(px(3), ty + px(3) + line_h,
           frame_renderer::clip("$ test: " + s.value("passed") + " passed, 1 failed", size_ - px(6), scale_),
           hex(0x4ec9b0), scale_);
  }
}

void sample_screen::draw_finance(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const {
  const auto& p = domain_.palette;
  const std::string ticker = s.value("ticker");
  const std::string change = s.value("signed_pct");
  const bool down = !change.empty() && change[0] == '-';
  int x = f.text(px(4), top + px(3), ticker, p.text, 2 * scale_);
  x = f.text(x + px(6), top + px(3), "$" + s.value("price"), p.text, scale_);
  f.text(px(4) + frame_renderer::text_width(ticker, 2 * scale_) + px(6), top + px(3) + 9 * scale_,
         (down ? "" : "+") + change + "%", down ? p.accent2 : p.accent, scale_);
  (void)x;

  const int chart_top = top + px(24), chart_bottom = bottom - px(20);
  if (chart_bottom - chart_top > px(10)) {
    f.fill_rect(px(4), chart_top, size_ - px(8), chart_bottom - chart_top, p.panel);
    for (int g = 1; g < 4; ++g) {
      const int gy = chart_top + (chart_bottom - chart_top) * g / 4;
      f.fill_rect(px(4), gy, size_ - px(8), 1, hex(0x1e3a5f));
    }
    const int bars = 26;
    const int bw = std::max(2, (size_ - px(12)) / bars);
    const int span = chart_bottom - chart_top - px(6);
    int level = static_cast<int>(r.between(span / 4, span * 3 / 4));
    for (int b = 0; b < bars; ++b) {
      const int step = static_cast<int>(r.between(-span / 8, span / 8)) + (down ? -1 : 1);
      const int next = std::clamp(level + step, px(4), span);
      const int lo = std::min(level, next), hi = std::max(level, next);
      const int bx = px(6) + b * bw;
      const rgb_color c = next >= level ? p.accent : p.accent2;
      const int wick = static_cast<int>(r.between(1, px(6)));
      f.fill_rect(bx + bw / 2 - 1 + (bw > 3 ? 1 : 0), chart_bottom - px(3) - std::min(hi + wick, span), 1,
                  hi - lo + 2 * wick, c);
      f.fill_rect(bx, chart_bottom - px(3) - hi, std::max(1, bw - 1), std::max(1, hi - lo), c);
      level = next;
    }
  }
  const std::string amount = s.value("amount");
  const std::string other = s.value("ticker2");
  const std::string shares = s.value("shares");
  const std::string tiles[] = {"Cash $" + amount, other + " " + shares};
  const int ty = bottom - px(17);
  if (ty > chart_top) {
    for (int i = 0; i < 2; ++i) {
      const int tx = px(4) + i * (size_ - px(8)) / 2;
      const int tw = (size_ - px(8)) / 2 - px(3);
      f.fill_rect(tx, ty, tw, px(14), p.panel);
      f.text(tx + px(3), ty + px(4), frame_renderer::clip(tiles[i], tw - px(5), scale_), p.muted, scale_);
    }
  }
}

void sample_screen::draw_health(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const {
  const auto& p = domain_.palette;
  struct card {
    const char* label;
    std::string value;
    rgb_color color;
  };
  // One draw per statement: the order of operands of + is unspecified.
  const std::string bpm = s.value("bpm");
  const std::string sys = s.value("sys");
  const std::string dia = s.value("dia");
  const card cards[] = {{"Heart rate", bpm, p.accent},
                        {"Blood pressure", sys + "/" + dia, hex(0x7c3aed)},
                        {"Steps", s.value("steps"), p.accent2}};
  const int gap = px(4);
  const int cw = (size_ - 4 * gap) / 3;
  const int ch = px(34);
  for (int i = 0; i < 3; ++i) {
    const int x = gap + i * (cw + gap), y = top + gap;
    f.fill_rect(x, y, cw, ch, p.panel);
    f.stroke_rect(x, y, cw, ch, hex(0xd1fae5));
    f.fill_rect(x, y, cw, std::max(1, px(2)), cards[i].color);
    f.text(x + px(3), y + px(5), frame_renderer::clip(cards[i].label, cw - px(5), scale_), p.muted, scale_);
    const int big = frame_renderer::text_width(cards[i].value, 2 * scale_) <= cw - px(6) ? 2 * scale_ : scale_;
    f.text(x + px(3), y + px(16), cards[i].value, cards[i].color, big);
  }
  // Heart-rate trace for the day.
  const int gy0 = top + ch + 2 * gap, gy1 = bottom - gap;
  if (gy1 - gy0 > px(16)) {
    f.fill_rect(gap, gy0, size_ - 2 * gap, gy1 - gy0, p.panel);
    f.text(gap + px(3), gy0 + px(3), "Heart rate today", p.muted, scale_);
    const int base = gy1 - px(6), span = gy1 - gy0 - px(18);
    int prev_x = gap + px(3), prev_y = base - span / 3;
    int level = span / 3;
    for (int x = prev_x + px(4); x < size_ - gap - px(3); x += px(4)) {
      level = std::clamp(level + static_cast<int>(r.between(-span / 6, span / 6)), 0, span);
      const int y = base - level;
      f.line(prev_x, prev_y, x, y, p.accent);
      f.line(prev_x, prev_y + 1, x, y + 1, p.accent);
      prev_x = x;
      prev_y = y;
    }
    f.fill_circle(prev_x, prev_y, std::max(1, px(2)), p.accent);
  }
}

void sample_screen::draw_travel(frame_renderer& f, int top, int bottom, sample_slots& s, sample_random& r) const {
  const auto& p = domain_.palette;
  f.fill_rect(0, top, size_, bottom - top, hex(0xa5d8ff));
  const rgb_color land[] = {hex(0xb7e4c7), hex(0xd8f3dc), hex(0xe9edc9), hex(0xc7e9b0)};
  const int blobs = static_cast<int>(r.between(5, 9));
  for (int i = 0; i < blobs; ++i) {
    const int cx = static_cast<int>(r.below(static_cast<std::uint64_t>(size_)));
    const int cy = top + static_cast<int>(r.below(static_cast<std::uint64_t>(std::max(1, bottom - top))));
    const int w = static_cast<int>(r.between(px(20), px(70))), h = static_cast<int>(r.between(px(10), px(40)));
    const rgb_color c = land[i % 4];
    f.fill_rect(cx - w / 2, std::max(top, cy - h / 2), w, std::min(h, bottom - std::max(top, cy - h / 2)), c);
    f.fill_circle(cx, std::clamp(cy, top + h / 2, std::max(top + h / 2, bottom - h / 2)), std::min(w, h) / 2, c);
  }
  f.fill_rect(0, std::max(top, bottom - 1), size_, 1, hex(0x7dc4f0));
  const int card_h = bottom - top > px(70) ? px(24) : 0;
  const int map_bottom = bottom - card_h;
  const int x0 = px(20) + static_cast<int>(r.below(static_cast<std::uint64_t>(px(40))));
  const int y0 = top + (map_bottom - top) * 3 / 4;
  const int x1 = size_ - px(30) - static_cast<int>(r.below(static_cast<std::uint64_t>(px(40))));
  const int y1 = top + (map_bottom - top) / 4;
  // Dashed great-circle-ish route: two straight legs through a raised midpoint.
  const int mx = (x0 + x1) / 2, my = std::max(top + px(2), std::min(y0, y1) - px(12));
  auto dashed = [&](int ax, int ay, int bx, int by) {
    const int n = std::max(std::abs(bx - ax), std::abs(by - ay));
    for (int i = 0; i <= n; ++i)
      if ((i / 3) % 2 == 0) {
        const int x = ax + (bx - ax) * i / std::max(1, n), y = ay + (by - ay) * i / std::max(1, n);
        f.plot(x, y, p.accent);
        f.plot(x, y + 1, p.accent);
      }
  };
  dashed(x0, y0, mx, my);
  dashed(mx, my, x1, y1);
  f.fill_circle(x0, y0, std::max(2, px(3)), p.title_bar);
  f.fill_circle(x1, y1, std::max(2, px(3)), p.accent);
  const std::string from = s.value("city.code");
  const std::string to = s.value("city2.code");
  f.text(x0 - px(8), y0 + px(5), from, p.text, scale_);
  f.text(x1 - px(8), y1 + px(5), to, p.text, scale_);
  for (int k = 0; k < px(5); ++k) f.line(mx - k, my - k / 2, mx - k, my + k / 2, p.text);  // plane
  if (card_h > 0) {
    const int cy = map_bottom;
    f.fill_rect(0, cy, size_, card_h, p.panel);
    f.fill_rect(0, cy, px(3), card_h, p.accent);
    const std::string flight = s.value("flight");
    const std::string hotel = s.value("hotel");
    const std::string fare = s.value("fare");
    f.text(px(6), cy + px(3), flight + "  " + from + " -> " + to, p.text, scale_);
    f.text(px(6), cy + px(3) + frame_renderer::line_height * scale_,
           frame_renderer::clip(s.value("city2") + " | " + hotel + " | $" + fare, size_ - px(8), scale_), p.muted,
           scale_);
  }
}

}  // namespace atn
