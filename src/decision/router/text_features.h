#pragma once
// Tokenizer and hand-made text statistics shared by every router. Kept local
// to the router so routers do not depend on the (still moving) engine/ text code.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sr::router {

//! Lowercased word tokens: ASCII letter/digit runs (UTF-8 bytes stay inside a
//! word), every other printable ASCII symbol is a token of its own, as in GloVe.
std::vector<std::string> tokenize(std::string_view text);

//! Number of dense text statistics returned by text_stats().
inline constexpr int kNumTextStats = 16;

//! Statistics that predict how hard a prompt is regardless of topic: length,
//! digits and formulas, code, multiple-choice layout, negations. Each value is
//! squashed to roughly [0, 1] so linear models need no extra scaling.
std::array<float, kNumTextStats> text_stats(std::string_view text);

//! Names of the statistics, for model cards and debugging.
const std::array<const char*, kNumTextStats>& text_stat_names();

//! 64-bit FNV-1a; used for hashed n-gram features and the held-out split.
uint64_t fnv1a(std::string_view s, uint64_t seed = 1469598103934665603ull);

}  // namespace sr::router
