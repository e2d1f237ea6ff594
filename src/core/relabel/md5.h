// MD5 (RFC 1321): hashmod relabeling hashes with it, as Prometheus does (crypto/md5).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace observe::relabel {

std::array<uint8_t, 16> md5(std::string_view data);

}  // namespace observe::relabel
