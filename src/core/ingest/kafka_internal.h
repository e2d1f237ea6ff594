// Shared pieces of the Kafka format decoders (not part of the module's interface).
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

#include "core/ingest/kafka_formats.h"

namespace observe::ingest {

struct KafkaDecoder::State {
  simdjson::dom::parser json;
  std::vector<Label> pairs;
  std::vector<Label> metadata;
  std::string scratch;
  // The stream of the last message: its pairs (message labels added) and what Loki's label
  // checks made of them. Messages of one source mostly name the same few streams, and the
  // checks (sort, names, lengths, UTF-8) are a pure function of the pairs.
  std::vector<Label> last_pairs;
  Labels last_labels;
  bool has_last = false;
};

// Appends the configured message labels whose names are not in *pairs yet (payload labels win).
void add_message_labels(const KafkaFormatOptions& options, const KafkaMessage& m, std::vector<Label>* pairs);

// A time field's text or number read as `format`; false when it is not a time of that format.
bool time_from_text(std::string_view text, TimeFormat format, int64_t* ns);
bool time_from_number(double value, bool integral, int64_t integer, TimeFormat format, int64_t* ns);
// The message timestamp in nanoseconds; throws when the message has none.
int64_t message_time_ns(const KafkaMessage& m);

// "topic/partition/offset" for messages.
std::string message_where(const KafkaMessage& m);

// The log formats' common end: one stream of one entry. `pairs` (the payload's labels; the
// message labels are added to it) is left in an unspecified state, its capacity kept.
void emit_one_entry(KafkaDecoder::State& st, const KafkaFormatOptions& options, const KafkaMessage& m,
                    std::vector<Label>& pairs, int64_t ts_ns, std::string_view line,
                    const std::vector<Label>* metadata, bool utf8_checked, LogSink& sink, DecodeStats& stats);

DecodeStats decode_json_lines(KafkaDecoder::State& st, const KafkaFormatOptions& o, const KafkaMessage& m, LogSink& sink);
DecodeStats decode_logfmt_message(KafkaDecoder::State& st, const KafkaFormatOptions& o, const KafkaMessage& m, LogSink& sink);
DecodeStats decode_prometheus_text(const KafkaFormatOptions& o, const KafkaMessage& m, SampleSink& sink);
DecodeStats decode_prometheus_json(KafkaDecoder::State& st, const KafkaFormatOptions& o, const KafkaMessage& m,
                                   SampleSink& sink);

}  // namespace observe::ingest
