// Errors thrown by the core. The glue (src/pg/border.h) turns each kind into an
// ereport with the SQLSTATE named here, so core code never sees PostgreSQL.
#pragma once

#include <stdexcept>
#include <string>

#include "core/common/utf8.h"

namespace observe {

// What the glue maps to a SQLSTATE; core code picks the kind, never the code.
enum class ErrorKind {
  kInternal,          // a bug: XX000
  kSyntax,            // a query that does not parse: 42601
  kInvalidParameter,  // an argument out of range or malformed: 22023
  kDataException,     // bad input data (a malformed payload, a bad value): 22000
  kLimitExceeded,     // a configured limit (max samples) stopped the work: 54000
  kFeatureNotSupported,  // 0A000
  kCanceled,          // statement timeout or cancel request: 57014
};

class Error : public std::runtime_error {
 public:
  // Messages quote input, which may hold any bytes: escaping here keeps every core message
  // valid UTF-8 whatever its author did.
  Error(ErrorKind kind, const std::string& message, int position = -1)
      : std::runtime_error(escape_message(message)), kind_(kind), position_(position) {}

  ErrorKind kind() const { return kind_; }
  // 0-based byte offset in the query text this error is about, or -1.
  int position() const { return position_; }

 private:
  ErrorKind kind_;
  int position_;
};

// A parse error: message plus the 0-based byte offset in the input.
class SyntaxError : public Error {
 public:
  SyntaxError(const std::string& message, int position)
      : Error(ErrorKind::kSyntax, message, position) {}
};

}  // namespace observe
