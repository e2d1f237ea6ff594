// Base64 (standard alphabet, RFC 4648) decoding shared by the readers that meet it: YAML's
// !!binary scalars (promconfig) and the LogQL template function b64dec; encoding for the
// scrape worker's basic authentication.
#pragma once

#include <string>
#include <string_view>

namespace observe {

// Decodes `in` into *out; the first '=' ends the data. With skip_whitespace, spaces, tabs and
// line breaks are ignored (YAML folds long !!binary values). Returns false at any other byte
// outside the alphabet (*out then holds what was decoded before it).
bool base64_decode(std::string_view in, bool skip_whitespace, std::string* out);

// Standard alphabet with '=' padding (HTTP basic authentication).
std::string base64_encode(std::string_view in);

}  // namespace observe
