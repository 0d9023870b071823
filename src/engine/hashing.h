#pragma once
// Feature hashing. The hashes are part of the model file contract: a model is
// only valid with the exact functions it was trained with, so never change
// these without bumping the model file version.
#include <cstdint>
#include <string_view>

namespace sr::engine {

inline constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
inline constexpr uint64_t kFnvPrime = 0x100000001b3ull;

//! One FNV-1a step over a code point (4 bytes folded into one step: faster,
//! and collisions are handled by the final mix).
constexpr uint64_t hash_step(uint64_t h, char32_t cp) { return (h ^ static_cast<uint64_t>(cp)) * kFnvPrime; }

//! splitmix64 finaliser: spreads FNV's weak low bits before bucket masking.
constexpr uint64_t hash_mix(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

//! Combines two hashes (word bigrams).
constexpr uint64_t hash_combine(uint64_t a, uint64_t b) { return hash_mix(a * 31 + b + 0x9e3779b97f4a7c15ull); }

//! Hash of a code-point sequence with a seed that separates feature kinds.
constexpr uint64_t hash_code_points(std::u32string_view s, uint64_t seed) {
  uint64_t h = kFnvOffset ^ seed;
  for (char32_t c : s) h = hash_step(h, c);
  return hash_mix(h);
}

//! Hash of bytes (labels, texts for deterministic splits).
constexpr uint64_t hash_bytes(std::string_view s, uint64_t seed = 0) {
  uint64_t h = kFnvOffset ^ seed;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return hash_mix(h);
}

}  // namespace sr::engine
