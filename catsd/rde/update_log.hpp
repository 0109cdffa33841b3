// What an UPDATE error log line says about the UPDATE (RFC 7606 §6: log
// the error and, where possible, the affected prefixes and the UPDATE).
#pragma once

#include <cstddef>
#include <string>

#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/update.hpp"

namespace cats::rde {

// "prefixes 203.0.113.10/32, 2001:db8::/32 (+3 more); UPDATE 61 octets:
// ffff...0200" with at most `max_prefixes` prefixes (reachable and withdrawn)
// and the first `max_octets` octets of the message in hex (none: 0).
std::string describe_update(const wire::Update& u, wire::ByteSpan message, std::size_t max_prefixes = 8,
                            std::size_t max_octets = 96);

}  // namespace cats::rde
