#include "bgp-ext/session/fsm_notify.hpp"

#include <algorithm>
#include <cstddef>

namespace cats::session {

wire::Bytes shutdown_communication(std::string_view text) {
  std::size_t n = std::min<std::size_t>(text.size(), 255);
  // Back off over UTF-8 continuation octets (10xxxxxx) so the cut never
  // leaves a partial character, which RFC 9003 receivers may reject whole.
  if (n < text.size()) {
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  }
  wire::Bytes out;
  out.reserve(n + 1);
  out.push_back(static_cast<std::byte>(n));
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::byte>(text[i]));
  return out;
}

Notify make_cease(std::uint8_t subcode, std::string_view text) {
  Notify n{wire::notify::kCease, subcode, {}};
  if ((subcode == cease::kAdminShutdown || subcode == cease::kAdminReset) && !text.empty()) {
    n.data = shutdown_communication(text);
  }
  return n;
}

Notify notify_for(const wire::DecodeError& e) {
  return Notify{e.code, e.subcode, e.data};
}

Notify notify_from_wire(std::uint8_t code, std::uint8_t subcode, wire::ByteSpan data) {
  return Notify{code, subcode, wire::Bytes(data.begin(), data.end())};
}

}  // namespace cats::session
