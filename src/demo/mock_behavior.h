#pragma once
// MockBehavior: how a mock upstream answers (latency, streaming shape, faults),
// plus the two ways to change it besides construction: a JSON object (admin
// endpoint POST /mock/behavior) and `[mock:...]` directives inside a prompt.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sr::demo {

//! What goes wrong with a request. kNone answers normally.
enum class Fault : uint8_t {
  kNone,           //!< normal answer
  k500,            //!< HTTP 500 with an OpenAI server_error body
  k429,            //!< HTTP 429 with Retry-After and a rate_limit_error body
  kReset,          //!< close the socket with RST, nothing written
  kStall,          //!< read the request, never answer (until the client leaves)
  kDropMidStream,  //!< send part of the body (some SSE chunks), then close
  kSlowHeaders,    //!< write the response head one line at a time, header_delay_ms apart
  kSlowBody,       //!< non-streamed: write the body in 8 pieces, chunk_delay_ms apart
  k400,            //!< HTTP 400 with an invalid_request_error body (not retryable: relayed)
};
inline constexpr int kFaultCount = 9;

//! Stable name used in JSON, directives, stats and the CLI: "none", "500", "429",
//! "reset", "stall", "drop_mid_stream", "slow_headers", "slow_body", "400".
std::string_view fault_name(Fault fault);
//! Inverse of fault_name(); nullopt for an unknown name.
std::optional<Fault> parse_fault(std::string_view name);

//! Everything that shapes an answer. Plain data; copied per request.
struct MockBehavior {
  int latency_ms = 0;          //!< wait before the first byte of the response
  int chunks = 6;              //!< content chunks in a streamed answer (>= 1)
  int chunk_chars = 0;         //!< characters per content chunk; 0 = split the answer evenly
  int chunk_delay_ms = 0;      //!< pause between streamed chunks
  Fault fault = Fault::kNone;  //!< fault to inject (see fail_next, fail_probability)
  int fail_next = 0;           //!< > 0: only the next N requests fault, then the mock recovers
  double fail_probability = 1.0;  //!< each eligible request faults with this probability
  uint64_t seed = 42;          //!< seeds the fail_probability draw (reproducible runs)
  int retry_after_s = 1;       //!< Retry-After value sent with a 429
  int drop_after_chunks = 2;   //!< kDropMidStream: content chunks sent before closing
  int header_delay_ms = 100;   //!< kSlowHeaders: pause between response header lines
};

//! Parses a JSON object (as POSTed to /mock/behavior). Missing fields keep the
//! defaults of MockBehavior{}, so a POST describes the whole behaviour.
Result<MockBehavior> behavior_from_json(std::string_view json);
//! The JSON object behavior_from_json() accepts.
std::string behavior_to_json(const MockBehavior& behavior);

//! Applies every `[mock:key=value,key=value]` directive found in `text` on top of
//! `behavior` (keys are the JSON field names; fault applies unconditionally).
//! Unknown keys or bad values are an error naming them.
Result<MockBehavior> apply_directives(std::string_view text, MockBehavior behavior);
//! `text` without its `[mock:...]` directives (what the mock echoes back).
std::string strip_directives(std::string_view text);

}  // namespace sr::demo
