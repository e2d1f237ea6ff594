// The HTTP API's background workers (observe.http_workers of them when observe.http_port is
// set and the library preloaded). See docs/http.md for the design.
#pragma once

namespace observe::pg {

void register_http_workers();

}  // namespace observe::pg
