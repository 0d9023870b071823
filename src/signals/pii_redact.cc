// redact() of pii.h: replaces recognised entities in the original text.
#include <algorithm>

#include "signals/pii.h"
#include "signals/pii_text.h"

namespace sr::signals {

std::string redact(std::string_view text, const std::vector<Entity>& ents, const RedactPolicy& policy) {
  std::string out;
  out.reserve(text.size());
  size_t byte = 0;   // next unread byte of `text`
  int32_t cp = 0;    // code point index of `byte` (same decoding as recognize())
  // Advances to code point `target` copying (or skipping) bytes; false at end of text.
  auto advance = [&](int32_t target, bool copy) {
    while (cp < target && byte < text.size()) {
      size_t len;
      pii::decode_utf8(text, byte, &len);
      if (copy) out.append(text.substr(byte, len));
      byte += len;
      ++cp;
    }
    return cp == target;
  };
  for (const Entity& e : ents) {
    if (e.start < cp || e.end <= e.start) continue;  // overlapping, unsorted or empty: skip
    if (e.score < policy.min_score) continue;
    if (!policy.types.empty() && std::find(policy.types.begin(), policy.types.end(), e.type) == policy.types.end()) {
      continue;
    }
    if (!advance(e.start, true)) break;
    size_t b0 = byte;
    if (!advance(e.end, false)) {
      // Entity runs past the text: keep the tail untouched rather than guess.
      out.append(text.substr(b0));
      return out;
    }
    if (policy.mode == RedactPolicy::Mode::kTypeTag) {
      out += '<';
      out += e.type;
      out += '>';
    } else {
      out += policy.fixed;
    }
  }
  out.append(text.substr(byte));
  return out;
}

}  // namespace sr::signals
