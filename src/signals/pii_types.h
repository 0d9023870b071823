#pragma once
// Entity types of the pii recogniser (Presidio names) and the per-request
// document view the scanners and the tagger share.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signals/pii_text.h"

namespace sr::signals::pii {

// M(enum name, Presidio name)
#define SR_PII_TYPES(M)                      \
  M(kPerson, "PERSON")                       \
  M(kEmail, "EMAIL_ADDRESS")                 \
  M(kPhone, "PHONE_NUMBER")                  \
  M(kCreditCard, "CREDIT_CARD")              \
  M(kSsn, "US_SSN")                          \
  M(kIban, "IBAN_CODE")                      \
  M(kIp, "IP_ADDRESS")                       \
  M(kStreetAddress, "STREET_ADDRESS")        \
  M(kLocation, "LOCATION")                   \
  M(kOrganization, "ORGANIZATION")           \
  M(kDateTime, "DATE_TIME")                  \
  M(kDomain, "DOMAIN_NAME")                  \
  M(kDriverLicense, "US_DRIVER_LICENSE")     \
  M(kZip, "ZIP_CODE")                        \
  M(kAge, "AGE")                             \
  M(kNrp, "NRP")                             \
  M(kTitle, "TITLE")

enum class EntityType : uint8_t {
#define SR_PII_ENUM(name, str) name,
  SR_PII_TYPES(SR_PII_ENUM)
#undef SR_PII_ENUM
      kCount
};

inline constexpr std::string_view kEntityTypeNames[] = {
#define SR_PII_NAME(name, str) str,
    SR_PII_TYPES(SR_PII_NAME)
#undef SR_PII_NAME
};

inline constexpr int kNumEntityTypes = static_cast<int>(EntityType::kCount);

inline std::string_view entity_type_name(EntityType t) { return kEntityTypeNames[static_cast<int>(t)]; }

//! Parses a Presidio name, also the older aliases in the training data
//! (GPE -> LOCATION, ADDRESS -> STREET_ADDRESS, PREFIX -> TITLE). False if unknown.
bool parse_entity_type(std::string_view name, EntityType* out);

//! A candidate span in token indices [tok_begin, tok_end) with its score.
struct Candidate {
  EntityType type;
  int tok_begin = 0;
  int tok_end = 0;
  float score = 0.0f;
  bool validated = false;  //!< passed a checksum/parser (wins overlaps)
};

//! Score of a postal code found right after a "zip"/"postal" word; such a ZIP
//! wins over a tagger STREET_ADDRESS made of the same tokens.
inline constexpr float kZipContextScore = 0.95f;

//! The tokenised request text, built once per recognize() call.
struct Doc {
  std::string_view text;
  std::vector<Token> toks;
  std::string lower_arena;           //!< lower-cased token texts, back to back
  std::vector<uint32_t> lower_off;   //!< token i's lower text: [lower_off[i], lower_off[i+1])

  std::string_view lower(int i) const {
    return std::string_view(lower_arena).substr(lower_off[i], lower_off[i + 1] - lower_off[i]);
  }
  std::string_view raw(int i) const { return text.substr(toks[i].b0, toks[i].b1 - toks[i].b0); }
  int size() const { return static_cast<int>(toks.size()); }

  //! Tokenises `t` (up to max_bytes) and fills the lower-case arena.
  void build(std::string_view t, size_t max_bytes);
};

}  // namespace sr::signals::pii
