// Template body of proto_fields.h (kept apart so the header reads as an interface).
#pragma once

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <climits>
#include <string>

#include "core/common/error.h"

namespace observe::ingest {

template <class OnField>
void for_each_length_delimited(std::string_view msg, const char* what, OnField&& on_field) {
  using google::protobuf::internal::WireFormatLite;
  if (msg.size() > INT_MAX)
    throw Error(ErrorKind::kLimitExceeded, std::string(what) + " larger than 2 GB");
  const auto* data = reinterpret_cast<const uint8_t*>(msg.data());
  google::protobuf::io::CodedInputStream in(data, static_cast<int>(msg.size()));
  auto broken = [&](size_t at, const std::string& why) {
    throw Error(ErrorKind::kDataException,
                std::string("malformed ") + what + " protobuf at byte " + std::to_string(at) + ": " + why,
                at > INT_MAX ? -1 : static_cast<int>(at));
  };
  for (;;) {
    size_t at = static_cast<size_t>(in.CurrentPosition());
    uint32_t tag = in.ReadTag();
    if (tag == 0) {
      if (static_cast<size_t>(in.CurrentPosition()) != msg.size() || at != msg.size())
        broken(at, "invalid field tag");
      return;
    }
    if (WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t len = 0;
      if (!in.ReadVarint32(&len)) broken(at, "truncated length");
      size_t start = static_cast<size_t>(in.CurrentPosition());
      if (len > msg.size() - start)
        broken(at, "field of " + std::to_string(len) + " bytes past the end of the message");
      on_field(WireFormatLite::GetTagFieldNumber(tag), msg.substr(start, len), start);
      if (!in.Skip(static_cast<int>(len))) broken(start, "truncated field");
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      broken(at, "truncated or invalid field");
    }
  }
}

}  // namespace observe::ingest
