#pragma once
// JSON string literal encoding, shared by every module that writes JSON by hand
// (responses, classify output, metrics-free logs). Bytes >= 0x80 pass through:
// callers hand in UTF-8.
#include <string>
#include <string_view>

namespace sr {

//! Appends `s` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace sr
