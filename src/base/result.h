#pragma once
// Result<T>: value or Error, the return type of every stage on the request path
// and of every loader at its API boundary. tl::expected has std::expected's API,
// so moving to C++23 is a one-line change here.
#include <string>
#include <utility>

#include <tl/expected.hpp>

#include "base/error_codes.h"

namespace sr {

//! An error carried as a value: a code (stable, counted, mapped to HTTP) and a
//! message for a person that names the offender.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

//! Shorthand for returning an error: `return fail(ErrorCode::kBadRequestJson, "...")`.
inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace sr
