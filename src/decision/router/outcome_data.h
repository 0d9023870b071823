#pragma once
// Outcome data for training and evaluating routers: prompts with the measured
// quality of each model. Reads the RouteLLM strong/weak files (JSON Lines,
// optionally .gz, fields prompt|text, strong, weak, subject) and the N-model
// file (JSON array of {question, scores{model: score}, cluster_id}).
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/result.h"

namespace sr::router {

struct Example {
  std::string text;
  std::string group;             // subject / source; used by the domain prior
  std::vector<float> quality;    // one entry per OutcomeSet::models
};

struct OutcomeSet {
  std::vector<std::string> models;
  int strong = -1;  // index into models for strong/weak data, else -1
  int weak = -1;
  std::vector<Example> rows;
  bool pairwise() const { return strong >= 0 && weak >= 0; }
};

//! Whole file as a string; gzip is decompressed transparently.
Result<std::string> read_maybe_gz(const std::string& path);
//! Every prompt listed in a contaminated_prompts.json ({"name": [prompts]}).
Result<std::set<std::string>> load_contaminated(const std::string& path);
//! Loads one outcome file, dropping rows whose text is in `drop` (their count
//! goes to *dropped). `default_group` names rows without a subject (e.g.
//! "gsm8k"). A missing or ill-typed field is an error naming the file and the
//! line (JSON Lines) or the array element (N-model file).
//! "null", "a boolean", "a number", "a string", "an array" or "an object":
//! for messages that say what a JSON value was instead of what was expected.
const char* json_type_name(const nlohmann::json& j);

Result<OutcomeSet> load_outcomes(const std::string& path, const std::set<std::string>& drop,
                                 const std::string& default_group, size_t* dropped = nullptr);

//! What load_outcome_file() did about contaminated prompts (for model cards).
struct LoadInfo {
  std::string contaminated_file;       // list used; "" when none was found or "none" was given
  bool contaminated_disabled = false;  // contaminated == "none"
  size_t dropped = 0;                  // rows dropped because they were listed
};
//! load_outcomes() with defaults for the shared data layout: prompts listed in
//! `contaminated` are dropped ("" = contaminated_prompts.json beside the file,
//! when present; "none" = drop nothing), and the default group is the file name
//! up to its first '_'. `info`, when given, says what was dropped and why.
Result<OutcomeSet> load_outcome_file(const std::string& path, const std::string& contaminated = "",
                                     LoadInfo* info = nullptr);

//! N-model data seen as strong/weak data: `spec` is "STRONG,WEAK" where each
//! side may average several models joined by '+' ("a,b+c+d").
Result<OutcomeSet> to_pairwise(const OutcomeSet& s, const std::string& spec);

//! Appends b to a; the model lists must match.
Result<bool> merge_into(OutcomeSet& a, const OutcomeSet& b);

//! Held-out membership by a hash of the prompt text, so duplicates never
//! straddle the split and every tool agrees on it without a split file.
//! `salt` != 0 draws a different split (for repeated held-out estimates).
bool in_holdout(const std::string& text, int holdout_percent, uint64_t salt = 0);
//! Rows in the train (holdout=false) or held-out (true) part.
OutcomeSet split_part(const OutcomeSet& s, int holdout_percent, bool holdout, uint64_t salt = 0);

}  // namespace sr::router
