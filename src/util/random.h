// Random identifiers from the system's CSPRNG (OpenSSL), for tokens, names and uids.
#pragma once

#include <cstddef>
#include <string>

namespace wcloud {

// 2 * `bytes` lowercase hex digits.
std::string RandomHex(size_t bytes);

// An RFC 4122 version 4 UUID ("3f2b...-4...-8...").
std::string RandomUuid();

}  // namespace wcloud
