#include "core/ingest/log_emitter.h"

#include <algorithm>
#include <utility>

#include "core/common/utf8.h"

namespace observe::ingest {

LogEmitter::LogEmitter(const LokiPushOptions& options, LogSink& sink, DecodeStats& stats, bool utf8_checked,
                       std::function<size_t()> offset, size_t batch_entries)
    : options_(options),
      sink_(sink),
      stats_(stats),
      utf8_checked_(utf8_checked),
      offset_(std::move(offset)),
      batch_max_(std::max<size_t>(1, std::min(batch_entries, kLogBatch))) {
  if (batch_max_ == 1) return;  // entries go to the sink one by one, from add() (no buffers)
  batch_.reserve(batch_max_);
  // batch_ points into metadata_: it must never reallocate while a batch is open.
  metadata_.reserve(batch_max_);
}

std::string LogEmitter::where() const { return where_impl(started_ || refused_ || entry_index_ > 0); }

std::string LogEmitter::where_entry() const { return where_impl(true); }

std::string LogEmitter::where_impl(bool entry) const {
  std::string s = "stream " + std::to_string(stream_index_);
  if (entry) s += " entry " + std::to_string(entry_index_);
  if (offset_) {
    size_t off = offset_();
    if (off != static_cast<size_t>(-1)) s += " (byte " + std::to_string(off) + ")";
  }
  return s;
}

void LogEmitter::fail(const std::string& msg, ErrorKind kind) const {
  size_t off = offset_ ? offset_() : static_cast<size_t>(-1);
  throw Error(kind, where() + ": " + msg, off == static_cast<size_t>(-1) || off > INT32_MAX ? -1 : static_cast<int>(off));
}

void LogEmitter::next_stream() {
  end();
  stream_index_++;
  entry_index_ = 0;
  pairs_.clear();
  text_.clear();
  prechecked_ = false;
  started_ = refused_ = false;
}

void LogEmitter::set_labels(std::vector<Label> pairs, std::string_view text) {
  pairs_ = std::move(pairs);
  text_.assign(text.data(), text.size());
  prechecked_ = false;
  started_ = refused_ = false;
}

std::string LogEmitter::stream_text() const {
  if (!text_.empty()) return text_;
  if (prechecked_labels_ && prechecked_) return format_stream(prechecked_labels_->items());
  return format_stream(started_ ? labels_.items() : pairs_);
}

void LogEmitter::begin_checked(const Labels& labels) {
  end();
  stream_index_++;
  entry_index_ = 0;
  prechecked_ = true;
  prechecked_labels_ = &labels;
  started_ = refused_ = false;
}

void LogEmitter::start_if_needed() {
  if (started_ || refused_) return;
  if (prechecked_) {
    sink_.begin_stream(*prechecked_labels_);
    started_ = true;
    stats_.streams++;
    return;
  }
  try {
    labels_ = validate_stream_labels(std::move(pairs_), options_.labels, text_);
  } catch (const Error& e) {
    if (!options_.skip_invalid) fail(e.what());
    refused_ = true;
    stats_.skipped_streams++;
    if (stats_.errors.size() < kMaxKeptErrors) stats_.errors.push_back(where() + ": " + e.what());
    return;
  }
  sink_.begin_stream(labels_);
  started_ = true;
  stats_.streams++;
}

void LogEmitter::refuse_entry(const std::string& why) {
  if (!options_.skip_invalid) fail(why);
  stats_.skipped_entries++;
  if (stats_.errors.size() < kMaxKeptErrors) stats_.errors.push_back(where() + ": " + why);
}

void LogEmitter::add(int64_t ts_ns, std::string_view line, const std::vector<Label>* metadata) {
  start_if_needed();
  if (refused_) {
    stats_.skipped_entries++;
    entry_index_++;
    return;
  }
  bool ok = true;
  if (options_.max_line_bytes != 0 && line.size() > options_.max_line_bytes) {
    if (options_.truncate_long_lines) {
      // Loki cuts bytes; cutting at a character boundary keeps the line valid UTF-8.
      size_t cut = options_.max_line_bytes;
      while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) cut--;
      line = line.substr(0, cut);
    } else {
      refuse_entry("Max entry size '" + std::to_string(options_.max_line_bytes) + "' bytes exceeded for stream '" +
                   stream_text() + "' while adding an entry with length '" + std::to_string(line.size()) + "' bytes");
      ok = false;
    }
  }
  if (ok && !utf8_checked_ && options_.validate_utf8 && !valid_utf8(line)) {
    refuse_entry("line is not valid UTF-8: " + quote_for_message(line, 128));
    ok = false;
  }
  const Labels* md = nullptr;
  if (ok && metadata && !metadata->empty()) {
    if (!options_.allow_structured_metadata) {
      refuse_entry("stream '" + stream_text() + "' includes structured metadata, but this feature is disallowed");
      ok = false;
    } else {
      for (const Label& l : *metadata) {
        if (!utf8_checked_ && options_.validate_utf8 && (!valid_utf8(l.name) || !valid_utf8(l.value))) {
          refuse_entry("structured metadata is not valid UTF-8: " + quote_for_message(l.name, 64) + "=" +
                       quote_for_message(l.value, 64));
          ok = false;
          break;
        }
        if (l.name.empty()) {
          refuse_entry("structured metadata with an empty name");
          ok = false;
          break;
        }
      }
      if (ok && batch_max_ == 1) {
        single_metadata_ = Labels(*metadata);
        md = single_metadata_.empty() ? nullptr : &single_metadata_;
      } else if (ok) {
        if (metadata_used_ == metadata_.size()) metadata_.emplace_back();
        metadata_[metadata_used_] = Labels(*metadata);
        md = &metadata_[metadata_used_];
        if (md->empty()) md = nullptr;
        else metadata_used_++;
      }
    }
  }
  if (ok && batch_max_ == 1) {
    // One entry a batch (a Kafka message): straight to the sink.
    LogEntry e{ts_ns, line, md};
    stats_.entries++;
    stats_.line_bytes += line.size();
    sink_.entries(&e, 1);
  } else if (ok) {
    batch_.push_back(LogEntry{ts_ns, line, md});
    stats_.entries++;
    stats_.line_bytes += line.size();
    if (batch_.size() == batch_max_) flush();
  }
  entry_index_++;
}

void LogEmitter::flush() {
  if (batch_.empty()) return;
  sink_.entries(batch_.data(), batch_.size());
  batch_.clear();
  metadata_used_ = 0;
}

void LogEmitter::end() {
  if (started_) {
    flush();
    sink_.end_stream();
  }
  started_ = false;
  refused_ = false;
}

}  // namespace observe::ingest
