// Validators of the structured PII types: each with valid and invalid cases.
#include "signals/pii_validators.h"

#include <gtest/gtest.h>

namespace sr::signals::pii {
namespace {

TEST(PiiValidators, LuhnAcceptsRealTestCardNumbers) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));      // Visa test number
  EXPECT_TRUE(luhn_valid("4111 1111 1111 1111"));   // separators skipped
  EXPECT_TRUE(luhn_valid("5500-0000-0000-0004"));   // Mastercard
  EXPECT_TRUE(luhn_valid("378282246310005"));       // Amex, 15 digits
  EXPECT_TRUE(luhn_valid("6011111111111117"));      // Discover
}

TEST(PiiValidators, LuhnRejectsBadChecksumAndLength) {
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_FALSE(luhn_valid("1234567812345678"));
  EXPECT_FALSE(luhn_valid("0"));                    // too short even though sum % 10 == 0
  EXPECT_FALSE(luhn_valid("000000000000"));         // 12 digits
  EXPECT_FALSE(luhn_valid("41111111111111111111")); // 20 digits
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_TRUE(luhn_checksum_ok("503867297114"));   // 12-digit Maestro: checksum only
  EXPECT_FALSE(luhn_valid("503867297114"));
  EXPECT_FALSE(luhn_checksum_ok("503867297115"));
}

TEST(PiiValidators, IbanAcceptsValidCodes) {
  EXPECT_TRUE(iban_valid("GB82WEST12345698765432"));
  EXPECT_TRUE(iban_valid("GB82 WEST 1234 5698 7654 32"));
  EXPECT_TRUE(iban_valid("DE89370400440532013000"));
  EXPECT_TRUE(iban_valid("de89 3704 0044 0532 0130 00"));  // case-insensitive
  EXPECT_TRUE(iban_valid("FR1420041010050500013M02606"));
  EXPECT_TRUE(iban_valid("NO9386011117947"));              // shortest (15)
}

TEST(PiiValidators, IbanRejectsChecksumLengthAndCountry) {
  EXPECT_FALSE(iban_valid("GB83WEST12345698765432"));   // check digits off by one
  EXPECT_FALSE(iban_valid("GB82WEST1234569876543"));    // GB needs 22
  EXPECT_FALSE(iban_valid("DE8937040044053201300"));    // DE needs 22, has 21
  EXPECT_FALSE(iban_valid("XX82WEST12345698765432"));   // unknown country
  EXPECT_FALSE(iban_valid("GB82WEST1234569876543$"));
  EXPECT_FALSE(iban_valid(""));
}

TEST(PiiValidators, SsnRules) {
  EXPECT_TRUE(ssn_valid("536-22-1234"));
  EXPECT_TRUE(ssn_valid("536 22 1234"));
  EXPECT_TRUE(ssn_valid("536221234"));
  EXPECT_FALSE(ssn_valid("000-22-1234"));  // area 000
  EXPECT_FALSE(ssn_valid("666-22-1234"));  // area 666
  EXPECT_FALSE(ssn_valid("912-22-1234"));  // area 9xx
  EXPECT_FALSE(ssn_valid("536-00-1234"));  // group 00
  EXPECT_FALSE(ssn_valid("536-22-0000"));  // serial 0000
  EXPECT_FALSE(ssn_valid("078-05-1120"));  // Woolworth wallet card
  EXPECT_FALSE(ssn_valid("123-45-6789"));  // sample number
  EXPECT_FALSE(ssn_valid("111-11-1111"));  // repeated digit
  EXPECT_FALSE(ssn_valid("536-221-234"));  // wrong grouping
  EXPECT_FALSE(ssn_valid("536-22 1234"));  // mixed separators
  EXPECT_FALSE(ssn_valid("53622123"));     // 8 digits
}

TEST(PiiValidators, Ipv4) {
  EXPECT_TRUE(ipv4_valid("192.168.0.1"));
  EXPECT_TRUE(ipv4_valid("8.8.8.8"));
  EXPECT_TRUE(ipv4_valid("255.255.255.255"));
  EXPECT_FALSE(ipv4_valid("256.1.1.1"));
  EXPECT_FALSE(ipv4_valid("1.2.3"));
  EXPECT_FALSE(ipv4_valid("1.2.3.4.5"));
  EXPECT_FALSE(ipv4_valid("a.b.c.d"));
  EXPECT_FALSE(ipv4_valid(""));
}

TEST(PiiValidators, Ipv6) {
  EXPECT_TRUE(ipv6_valid("2001:db8::1"));
  EXPECT_TRUE(ipv6_valid("fe80::1ff:fe23:4567:890a"));
  EXPECT_TRUE(ipv6_valid("2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
  EXPECT_TRUE(ipv6_valid("::ffff:192.0.2.128"));
  EXPECT_FALSE(ipv6_valid("2001:db8:::1"));
  EXPECT_FALSE(ipv6_valid("12:30:45"));  // a time, not an address
  EXPECT_FALSE(ipv6_valid("2001:db8::g"));
  EXPECT_FALSE(ipv6_valid(std::string(60, '1')));
}

TEST(PiiValidators, EmailAndDomain) {
  EXPECT_TRUE(email_valid("john.smith@example.com"));
  EXPECT_TRUE(email_valid("a+tag@sub.example.co.uk"));
  EXPECT_FALSE(email_valid("john@@example.com"));
  EXPECT_FALSE(email_valid("john@example"));          // no TLD
  EXPECT_FALSE(email_valid("john@example.notatld"));  // unknown TLD
  EXPECT_FALSE(email_valid(".john@example.com"));
  EXPECT_FALSE(email_valid("@example.com"));
  EXPECT_TRUE(domain_valid("www.example.org"));
  EXPECT_TRUE(domain_valid("LostMillions.com.pt"));
  EXPECT_FALSE(domain_valid("-bad.com"));
  EXPECT_FALSE(domain_valid("example"));
  EXPECT_FALSE(domain_valid("a..com"));
  EXPECT_TRUE(tld_valid("DE"));
  EXPECT_TRUE(tld_valid("com"));
  EXPECT_FALSE(tld_valid("zz"));
  EXPECT_FALSE(tld_valid("c0m"));
}

}  // namespace
}  // namespace sr::signals::pii
