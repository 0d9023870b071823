#pragma once
// Training data for the pii tagger beyond the Presidio records: sentences
// generated from presidio_templates/ (templates.txt + fake-identity tables),
// and WNUT-17 CoNLL sentences. Deterministic for a given seed. Training-time
// only; nothing here runs on the request path.
#include <cstdint>
#include <string>
#include <vector>

#include "signals/pii_types.h"

namespace sr::signals::pii {

//! One labelled text: spans in code points, half-open.
struct LabeledSpan {
  EntityType type;
  int start, end;
};
struct LabeledText {
  std::string text;
  std::vector<LabeledSpan> spans;
};

//! Fills `count` templates from `templates_dir` (templates.txt,
//! FakeNameGenerator.com_3000.csv, companies_and_organizations.csv,
//! nationalities.csv, us_driver_licenses.csv). Returns an empty vector if the
//! files are missing.
std::vector<LabeledText> generate_from_templates(const std::string& templates_dir, int count, uint64_t seed);

//! Reads a WNUT-17 CoNLL file (token<TAB>BIO-tag): person -> PERSON,
//! location -> LOCATION, corporation/group -> ORGANIZATION; others -> none.
std::vector<LabeledText> load_wnut(const std::string& path);

//! Splits one CSV line (double-quoted fields, "" escapes).
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace sr::signals::pii
