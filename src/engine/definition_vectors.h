#pragma once
// Word vectors for words the GloVe table lacks, built from their WordNet
// definitions. The 20k-word GloVe table has "the" and "market" but not
// "titration", "meiosis" or "tort": exactly the topical words a domain
// classifier needs on prompts whose wording it never saw in training. WordNet
// (Debian's wordnet-base) defines ~65k such single words; a word's vector is
// the weighted mean of the GloVe vectors of its definition, synonyms,
// hypernyms and topic domain ("titration": "measuring the concentration of a
// solution ...", topic "chemistry"), scaled like a rare GloVe word. Training
// time only: the result is folded into the model file like the GloVe rows.
#include <cstdint>
#include <string>

#include "base/result.h"
#include "engine/word_vectors.h"

namespace sr::engine {

struct DefinitionStats {
  uint32_t synsets = 0;     //!< synsets read from the data files
  uint32_t candidates = 0;  //!< single words and (with phrases) two-word terms considered
  uint32_t added = 0;       //!< new rows: words and terms with enough known context words
};

struct DefinitionOptions {
  //! Two-word terms ("double jeopardy") get rows too, keyed by their bigram
  //! hash; sets WordVectors::kPhrases.
  bool phrases = true;
  //! Rows become [GloVe vector | definition vector] (dim doubles): known words
  //! gain a second, more topical view ("tort" by its definition: "a wrongdoing
  //! for which an action for damages may be brought"); new words get
  //! [definition | definition], so the layer trained on GloVe words applies
  //! to them. Without it known words are left alone and new rows have dim.
  bool concat = true;
};

//! Reads `<dir>/{index,data}.{noun,verb,adj,adv}` (WordNet 3.0 database
//! format), extends raw (unfolded, dim > 0) `vectors` as `options` says,
//! rebuilds the lookup table and sets WordVectors::kInflections (new rows are
//! lemmas: "titrations" must find "titration"). Deterministic. A malformed line
//! is an error naming file and line, a missing file kIo; on error `vectors`
//! is unchanged.
Result<DefinitionStats> add_wordnet_vectors(WordVectors& vectors, const std::string& dir,
                                            const DefinitionOptions& options = {});

}  // namespace sr::engine
