#pragma once
// Checksum and format validators for the structured PII types. Pure functions
// over ASCII strings; separators (space, '-', '.') are the caller's business
// unless a function says otherwise. Each is the last word on whether a
// candidate the scanner found is reported, so false positives stay rare.
#include <string_view>

namespace sr::signals::pii {

//! Luhn checksum over the digits of `s` (non-digits are skipped). Requires
//! 13..19 digits, like real card numbers.
bool luhn_valid(std::string_view s);
//! The Luhn checksum alone, for any length ≥ 2 (e.g. 12-digit Maestro numbers).
bool luhn_checksum_ok(std::string_view s);

//! IBAN: two-letter country, two check digits, BBAN; spaces allowed; case
//! insensitive; mod-97 == 1 and the country's registered length.
bool iban_valid(std::string_view s);

//! US SSN as "AAA-GG-SSSS", "AAA GG SSSS" or 9 bare digits: no 000/666/9xx
//! area, no 00 group, no 0000 serial, none of the well-known advertising or
//! test numbers (078-05-1120, 219-09-9999, 123-45-6789, repeated digits).
bool ssn_valid(std::string_view s);

//! Dotted-quad IPv4 via inet_pton (rejects octets > 255 and malformed forms).
bool ipv4_valid(std::string_view s);
//! IPv6 via inet_pton (full, compressed and IPv4-suffixed forms).
bool ipv6_valid(std::string_view s);

//! True if `tld` (without dot, any case) is a known top-level domain
//! (generic, common new gTLDs and every two-letter ccTLD).
bool tld_valid(std::string_view tld);

//! Host name: labels of [A-Za-z0-9-] (1..63, no leading/trailing '-'),
//! at least two labels, known TLD, total ≤ 253.
bool domain_valid(std::string_view s);

//! Email address: dot-atom local part (≤ 64) '@' domain_valid() host.
bool email_valid(std::string_view s);

//! Digits only, counting non-digits as separators: number of digits in `s`.
int count_digits(std::string_view s);

}  // namespace sr::signals::pii
