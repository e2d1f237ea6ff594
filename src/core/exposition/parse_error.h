// A malformed payload: the message starts with "line N: ".
#pragma once

#include <climits>
#include <cstddef>
#include <string>

#include "core/common/error.h"

namespace observe::exposition {

class ParseError : public Error {
 public:
  ParseError(size_t line, const std::string& what, size_t offset)
      : Error(ErrorKind::kDataException, "line " + std::to_string(line) + ": " + what,
              offset > INT_MAX ? INT_MAX : static_cast<int>(offset)),
        line_(line) {}
  size_t line() const { return line_; }

 private:
  size_t line_;
};

}  // namespace observe::exposition
