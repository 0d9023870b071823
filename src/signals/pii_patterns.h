#pragma once
// Rule-based detection of the structured PII types: e-mail, URLs/domains,
// IPv4/IPv6, IBAN, credit cards, SSNs, phone numbers, dates and times, ZIP
// codes, ages and US driver licences. Candidates come from one left-to-right
// pass over the tokens; validators (pii_validators.h) decide, and nearby
// context words ("ssn", "card", "zip", "call", ...) raise or lower scores.
#include <vector>

#include "signals/pii_types.h"

namespace sr::signals::pii {

//! Appends structured candidates found in `doc` to `out`. Scores are in 0..1;
//! the caller drops those below its threshold. Linear in the number of tokens.
void scan_structured(const Doc& doc, std::vector<Candidate>* out);

}  // namespace sr::signals::pii
