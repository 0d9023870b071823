#pragma once
// Unicode normalisation for classifiers: NFKC + case folding (utf8proc), so
// "ＡＢＣ", "ABC" and "abc" produce the same features. Control characters become
// spaces; invalid UTF-8 bytes are skipped.
#include <string>
#include <string_view>

namespace sr::engine {

//! Replaces `out` with the normalised code points of `utf8`. Reuses out's
//! capacity, so a thread_local buffer makes this allocation-free once warm.
//! ASCII takes a fast path; other runs go through utf8proc.
void normalize_text(std::string_view utf8, std::u32string& out);

//! Convenience for tests and tools: normalised text as UTF-8.
std::string normalize_to_utf8(std::string_view utf8);

}  // namespace sr::engine
