// The log recording (shared/data/log-recording/lines.jsonl.zst) as streams in memory: each
// stream's lines concatenated with their ends and times. Shared by the log benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace observe::bench {

// CPU seconds of the calling thread (the machine is shared: speeds are per CPU-second).
double cpu_seconds();

struct Stream {
  std::string key;
  std::string data;           // lines concatenated
  std::vector<size_t> ends;   // end of each line in data
  std::vector<int64_t> times; // ns
  std::string_view line(size_t i) const {
    size_t b = i ? ends[i - 1] : 0;
    return std::string_view(data.data() + b, ends[i] - b);
  }
};

// Every line of the recording, by stream in order of first appearance; *lines and *raw get the
// number of lines and their bytes.
std::vector<Stream> load(const char* path, size_t* lines, size_t* raw);

}  // namespace observe::bench
