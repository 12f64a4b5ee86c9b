#pragma once

#include <string>
#include <string_view>

namespace atn {

/// A string a peer or a file supplied, made safe to put in a log line: printable ASCII stays, a
/// backslash doubles, newline, carriage return and tab become \n, \r, \t, and every other byte
/// (control characters, ANSI ESC, DEL, non-ASCII) becomes \xNN. A log line then ends where the
/// node ended it: a received string cannot forge a line or recolour a terminal.
std::string log_escape(std::string_view text);

}  // namespace atn
