// file_sd target files (discovery/file of Prometheus 2.42): a list of {targets, labels}
// groups in JSON (.json) or YAML (.yml, .yaml), as Prometheus and promtool read them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/promconfig/config.h"

namespace observe::promconfig {

enum class SdFormat { kJson, kYaml };

// The format named by the file's extension (case-insensitive); throws ConfigError
// `invalid file extension: ".txt"` otherwise.
SdFormat sd_format_of(const std::string& filename);

// Parses one target file's content. Sources are "<source_name>:<index>". Throws ConfigError:
// a syntax error, an unknown field, a bad label name, "nil target group item found (index N)".
std::vector<TargetGroup> parse_sd_file(std::string_view content, SdFormat format,
                                       const std::string& source_name);

// Reads and parses a file, its format from its extension.
std::vector<TargetGroup> read_sd_file(const std::string& filename);

}  // namespace observe::promconfig
