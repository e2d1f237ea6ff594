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

// The log formats' common end: one stream of one entry.
void emit_one_entry(const KafkaFormatOptions& options, const KafkaMessage& m, std::vector<Label> pairs, int64_t ts_ns,
                    std::string_view line, const std::vector<Label>* metadata, bool utf8_checked, LogSink& sink,
                    DecodeStats& stats);

DecodeStats decode_json_lines(KafkaDecoder::State& st, const KafkaFormatOptions& o, const KafkaMessage& m, LogSink& sink);
DecodeStats decode_logfmt_message(KafkaDecoder::State& st, const KafkaFormatOptions& o, const KafkaMessage& m, LogSink& sink);
DecodeStats decode_prometheus_text(const KafkaFormatOptions& o, const KafkaMessage& m, SampleSink& sink);
DecodeStats decode_prometheus_json(KafkaDecoder::State& st, const KafkaFormatOptions& o, const KafkaMessage& m,
                                   SampleSink& sink);

}  // namespace observe::ingest
