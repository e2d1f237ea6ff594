// Walks the top-level fields of a protobuf message with libprotobuf's CodedInputStream, so a
// request of many streams or series is parsed one element at a time (each element with the
// generated lite classes) instead of as one message holding everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace observe::ingest {

// Calls on_field(field_number, bytes, offset) for every length-delimited field of msg, in order,
// where offset is where the field's bytes start in msg; other wire types are skipped. Throws
// Error (kDataException) naming `what` and the byte offset when the framing is broken.
template <class OnField>
void for_each_length_delimited(std::string_view msg, const char* what, OnField&& on_field);

}  // namespace observe::ingest

#include "core/ingest/proto_fields_impl.h"
