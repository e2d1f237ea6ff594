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

// Reads and parses a file as Prometheus's file discovery does: the format from the extension,
// sources "<filename>:<index>", and the label __meta_filepath=<filename> on every group.
std::vector<TargetGroup> read_sd_file(const std::string& filename);

// The files a file_sd pattern names now (Go's filepath.Glob: `*` within one path element),
// sorted; none when nothing matches.
std::vector<std::string> glob_sd_files(const std::string& pattern);

// The file's content, or ConfigError "open <file>: no such file or directory".
std::string read_file_content(const std::string& filename);

}  // namespace observe::promconfig
