// SPI statements with text parameters (the statement casts them), and the columns of their
// result rows as C++ values. SPI must be connected (the workers' and the HTTP API's
// transactions connect it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/labels.h"

namespace observe::pg {

// Runs sql with $1.. bound to params as text (nullptr: NULL) under pg_guard; an SPI result
// other than `expect` is an error. read_only: run in the transaction's snapshot, no writes.
void spi_execute_text(const char* sql, const std::vector<const char*>& params, int expect,
                      bool read_only = false);

// The same for a statement run over and over (a worker's status writes): `sql` (a string
// literal: its address is the key) is parsed and planned once per backend, its plan kept
// (PostgreSQL's plan cache replans it when a table it uses changes).
void spi_execute_text_prepared(const char* sql, const std::vector<const char*>& params, int expect);

// The last statement's result rows (SPI_tuptable), column numbers from 0. Valid until the next
// SPI statement.
size_t spi_rows();
// A column as its text output; nullopt for NULL.
std::optional<std::string> spi_text(size_t row, int col);
// A jsonb object column of string values as a label set; NULL is the empty set.
Labels spi_labels(size_t row, int col);

}  // namespace observe::pg
