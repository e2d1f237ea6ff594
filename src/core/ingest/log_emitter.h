// The per-entry half of Loki's push rules, shared by every log decoder: labels checked when a
// stream's first entry arrives (Loki skips empty streams without looking at their labels),
// line length, UTF-8, structured metadata allowed, and batching into the sink. In skip mode a
// refusal is recorded and decoding goes on, as Loki's distributor does.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/ingest/loki_push.h"

namespace observe::ingest {

class LogEmitter {
 public:
  // offset() tells the byte offset the decoder is at, for messages (may return npos).
  // batch_entries: the most entries handed to the sink at once (at most kLogBatch); a decoder of
  // one entry (a Kafka message) asks for 1 so that no kLogBatch-sized buffers are made for it.
  LogEmitter(const LokiPushOptions& options, LogSink& sink, DecodeStats& stats, bool utf8_checked,
             std::function<size_t()> offset = {}, size_t batch_entries = kLogBatch);

  // A new stream with these pairs (unsorted, duplicates kept); `text` names it in messages
  // (empty: the pairs formatted, only when a message needs it).
  void begin(std::vector<Label> pairs, std::string_view text) {
    next_stream();
    set_labels(std::move(pairs), text);
  }
  // The same in two steps, for a decoder that must name the stream before its labels are known.
  void next_stream();
  void set_labels(std::vector<Label> pairs, std::string_view text);
  // Same with labels already checked by the caller.
  void begin_checked(const Labels& labels);
  // metadata: pairs (unsorted), may be null or empty.
  void add(int64_t ts_ns, std::string_view line, const std::vector<Label>* metadata);
  void end();

  // Error context: "stream 3 entry 5 (byte 812)".
  std::string where() const;
  // The same, naming the entry the decoder is reading even before it reached the emitter.
  std::string where_entry() const;
  size_t stream_index() const { return stream_index_; }
  size_t entry_index() const { return entry_index_; }

 private:
  std::string where_impl(bool entry) const;
  std::string stream_text() const;
  void start_if_needed();
  void refuse_entry(const std::string& why);
  void flush();
  [[noreturn]] void fail(const std::string& msg, ErrorKind kind = ErrorKind::kDataException) const;

  const LokiPushOptions& options_;
  LogSink& sink_;
  DecodeStats& stats_;
  bool utf8_checked_;
  std::function<size_t()> offset_;

  size_t stream_index_ = static_cast<size_t>(-1);
  size_t entry_index_ = 0;
  std::vector<Label> pairs_;
  std::string text_;
  bool prechecked_ = false;
  const Labels* prechecked_labels_ = nullptr;
  bool started_ = false;   // begin_stream sent
  bool refused_ = false;   // the stream's labels were refused (skip mode)
  Labels labels_;
  size_t batch_max_;
  std::vector<LogEntry> batch_;
  std::vector<Labels> metadata_;  // backing for batch_[i].metadata, reused
  Labels single_metadata_;        // the same with one entry a batch (batch_entries 1)
  size_t metadata_used_ = 0;
};

}  // namespace observe::ingest
