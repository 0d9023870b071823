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

//! If a postal code starts at token `i` ("12345", "12345-6789", "53-320",
//! "3610-114", "394 13", "7412 SL", "B0J 2H0"; one line), returns the token
//! index just past it, else -1. Shape only: callers supply the context.
int postal_code_end(const Doc& doc, int i);

}  // namespace sr::signals::pii
