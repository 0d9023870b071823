#include "decision/router/outcome_data.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "decision/router/text_features.h"

namespace sr::router {

Result<std::string> read_maybe_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return fail(ErrorCode::kIo, "cannot open " + path);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      gzclose(f);
      return fail(ErrorCode::kIo, "read error (corrupt gzip?) in " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  gzclose(f);
  return out;
}

Result<std::set<std::string>> load_contaminated(const std::string& path) {
  auto text = read_maybe_gz(path);
  if (!text) return tl::unexpected(text.error());
  std::set<std::string> out;
  try {
    auto j = nlohmann::json::parse(*text);
    for (auto& [k, v] : j.items())
      for (auto& p : v) out.insert(p.get<std::string>());
  } catch (const std::exception& e) {
    return fail(ErrorCode::kConfigInvalid, path + ": " + e.what());
  }
  return out;
}

const char* json_type_name(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return "a number";
  }
}

namespace {

// A missing or ill-typed field of one row; load_outcomes() prefixes file and line.
struct RowError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

float to_quality(const nlohmann::json& row, const std::string& key, const char* where = "") {
  auto it = row.find(key);
  if (it == row.end()) throw RowError("no \"" + key + "\" field" + where);
  if (it->is_boolean()) return it->get<bool>() ? 1.0f : 0.0f;
  if (it->is_number()) return std::clamp(it->get<float>(), 0.0f, 1.0f);
  throw RowError("\"" + key + "\"" + where + " is " + json_type_name(*it) + ", not a boolean or number");
}

const std::string& string_field(const nlohmann::json& row, const char* first, const char* second) {
  for (const char* key : {first, second}) {
    if (!key) continue;
    auto it = row.find(key);
    if (it == row.end()) continue;
    if (!it->is_string()) throw RowError(std::string("\"") + key + "\" is " + json_type_name(*it) + ", not a string");
    return it->get_ref<const std::string&>();
  }
  throw RowError(second ? std::string("no \"") + first + "\" or \"" + second + "\" string field"
                        : std::string("no \"") + first + "\" string field");
}

}  // namespace

Result<OutcomeSet> load_outcomes(const std::string& path, const std::set<std::string>& drop,
                                 const std::string& default_group, size_t* dropped) {
  auto text = read_maybe_gz(path);
  if (!text) return tl::unexpected(text.error());
  OutcomeSet set;
  size_t n_dropped = 0;
  size_t first = text->find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (*text)[first] == '[') {
    // N-model file: [{question, scores{...}, cluster_id}]
    nlohmann::json arr;
    try {
      arr = nlohmann::json::parse(*text);
    } catch (const std::exception& e) {
      return fail(ErrorCode::kConfigInvalid, path + ": " + e.what());
    }
    size_t index = 0;
    for (const auto& row : arr) {
      try {
        if (!row.is_object()) throw RowError(std::string("is ") + json_type_name(row) + ", not an object");
        auto sc = row.find("scores");
        if (sc == row.end() || !sc->is_object()) throw RowError("no \"scores\" object");
        if (set.models.empty()) {
          for (auto& [k, v] : sc->items()) set.models.push_back(k);
          std::sort(set.models.begin(), set.models.end());
        }
        Example ex;
        ex.text = string_field(row, "question", "text");
        if (drop.count(ex.text)) {
          ++n_dropped, ++index;
          continue;
        }
        ex.group = row.contains("cluster_id") ? "cluster_" + row["cluster_id"].dump() : default_group;
        for (const auto& m : set.models) ex.quality.push_back(to_quality(*sc, m, " in \"scores\""));
        set.rows.push_back(std::move(ex));
      } catch (const RowError& e) {
        return fail(ErrorCode::kConfigInvalid, path + ": element " + std::to_string(index) + " of the array: " + e.what());
      }
      ++index;
    }
    if (dropped) *dropped = n_dropped;
    return set;
  }
  set.models = {"weak", "strong"};
  set.weak = 0;
  set.strong = 1;
  std::istringstream in(*text);
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineno) + ": ";
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const std::exception& e) {
      return fail(ErrorCode::kConfigInvalid, where + e.what());
    }
    try {
      if (!row.is_object()) throw RowError(std::string("the line is ") + json_type_name(row) + ", not a JSON object");
      Example ex;
      ex.text = string_field(row, "prompt", "text");
      if (drop.count(ex.text)) {
        ++n_dropped;
        continue;
      }
      ex.group = row.contains("subject") ? string_field(row, "subject", nullptr) : default_group;
      ex.quality = {to_quality(row, "weak"), to_quality(row, "strong")};
      set.rows.push_back(std::move(ex));
    } catch (const RowError& e) {
      return fail(ErrorCode::kConfigInvalid, where + e.what());
    }
  }
  if (dropped) *dropped = n_dropped;
  return set;
}

Result<OutcomeSet> load_outcome_file(const std::string& path, const std::string& contaminated, LoadInfo* info) {
  namespace fs = std::filesystem;
  std::string cpath = contaminated;
  if (cpath.empty()) {
    fs::path beside = fs::path(path).parent_path() / "contaminated_prompts.json";
    std::error_code ec;
    if (fs::exists(beside, ec)) cpath = beside.string();
  }
  std::set<std::string> drop;
  if (!cpath.empty() && cpath != "none") {
    auto c = load_contaminated(cpath);
    if (!c) return tl::unexpected(c.error());
    drop = std::move(*c);
  }
  std::string stem = fs::path(path).filename().string();
  stem = stem.substr(0, stem.find_first_of("_."));
  size_t dropped = 0;
  auto set = load_outcomes(path, drop, stem, &dropped);
  if (info) {
    info->contaminated_file = cpath == "none" ? "" : cpath;
    info->contaminated_disabled = cpath == "none";
    info->dropped = dropped;
  }
  return set;
}

Result<OutcomeSet> to_pairwise(const OutcomeSet& s, const std::string& spec) {
  auto comma = spec.find(',');
  if (comma == std::string::npos) return fail(ErrorCode::kConfigInvalid, "pair '" + spec + "' is not STRONG,WEAK");
  auto columns = [&](const std::string& side) -> Result<std::vector<size_t>> {
    std::vector<size_t> cols;
    size_t pos = 0;
    while (pos <= side.size()) {
      size_t end = side.find('+', pos);
      if (end == std::string::npos) end = side.size();
      std::string m = side.substr(pos, end - pos);
      auto it = std::find(s.models.begin(), s.models.end(), m);
      if (it == s.models.end()) return fail(ErrorCode::kConfigInvalid, "model '" + m + "' is not in the data");
      cols.push_back(static_cast<size_t>(it - s.models.begin()));
      pos = end + 1;
    }
    return cols;
  };
  auto strong = columns(spec.substr(0, comma));
  if (!strong) return tl::unexpected(strong.error());
  auto weak = columns(spec.substr(comma + 1));
  if (!weak) return tl::unexpected(weak.error());
  auto mean = [](const std::vector<float>& q, const std::vector<size_t>& cols) {
    float x = 0;
    for (size_t c : cols) x += q[c];
    return x / static_cast<float>(cols.size());
  };
  OutcomeSet out;
  out.models = {"weak", "strong"};
  out.weak = 0;
  out.strong = 1;
  for (const auto& ex : s.rows) out.rows.push_back({ex.text, ex.group, {mean(ex.quality, *weak), mean(ex.quality, *strong)}});
  return out;
}

Result<bool> merge_into(OutcomeSet& a, const OutcomeSet& b) {
  if (a.models.empty()) {
    a = b;
    return true;
  }
  if (a.models != b.models) return fail(ErrorCode::kConfigInvalid, "outcome files list different models");
  a.rows.insert(a.rows.end(), b.rows.begin(), b.rows.end());
  return true;
}

bool in_holdout(const std::string& text, int holdout_percent, uint64_t salt) {
  uint64_t h = fnv1a(text);
  if (salt) h = fnv1a(text, h ^ (salt * 0x9e3779b97f4a7c15ull));
  return static_cast<int>(h % 100) < holdout_percent;
}

OutcomeSet split_part(const OutcomeSet& s, int holdout_percent, bool holdout, uint64_t salt) {
  OutcomeSet out;
  out.models = s.models;
  out.strong = s.strong;
  out.weak = s.weak;
  for (const auto& r : s.rows)
    if (in_holdout(r.text, holdout_percent, salt) == holdout) out.rows.push_back(r);
  return out;
}

}  // namespace sr::router
