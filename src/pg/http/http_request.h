// One HTTP request as the HTTP worker hands it to the API handlers, and their answer. Plain
// C++: MHD's structures stay in http_worker.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/httpapi/params.h"
#include "core/httpapi/stream.h"

namespace observe::pg {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::string authorization;
  std::string content_type;
  std::string content_encoding;
  std::string websocket_key;  // Sec-WebSocket-Key of a WebSocket opening handshake
  std::string body;
  httpapi::Form form;  // POST form body first, then the URL's query string (Go's Request.Form)
  int64_t now_ms = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // When set, the body is produced from it while it is sent (chunked), and `body` is unused.
  std::unique_ptr<httpapi::BodyStream> stream;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace observe::pg
