// SPI statements with text parameters (the statement casts them), for the rules glue.
#pragma once

#include <vector>

namespace observe::pg {

// Runs sql with $1.. bound to params as text (nullptr: NULL) under pg_guard; an SPI result
// other than `expect` is an error. SPI must be connected.
void spi_execute_text(const char* sql, const std::vector<const char*>& params, int expect);

}  // namespace observe::pg
