#include "bgp-ext/wire/nlri.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace cats::wire {

std::string address_to_string(Afi afi, ByteSpan bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  int family = afi == Afi::kIpv4 ? AF_INET : AF_INET6;
  std::array<std::uint8_t, 16> a{};
  std::memcpy(a.data(), bytes.data(), std::min<std::size_t>(bytes.size(), 16));
  inet_ntop(family, a.data(), buf, sizeof buf);
  return buf;
}

std::optional<std::array<std::uint8_t, 16>> parse_address(Afi afi, std::string_view text) {
  std::string s(text);
  std::array<std::uint8_t, 16> a{};
  int family = afi == Afi::kIpv4 ? AF_INET : AF_INET6;
  if (inet_pton(family, s.c_str(), a.data()) != 1) return std::nullopt;
  return a;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = text.substr(0, slash);
  auto len_text = text.substr(slash + 1);
  Prefix p;
  p.afi = addr.find(':') != std::string_view::npos ? Afi::kIpv6 : Afi::kIpv4;
  unsigned len = 0;
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc{} || ptr != len_text.data() + len_text.size() || len > max_prefix_len(p.afi)) return std::nullopt;
  auto a = parse_address(p.afi, addr);
  if (!a) return std::nullopt;
  p.length = static_cast<std::uint8_t>(len);
  p.addr = *a;
  // Canonical form: host bits cleared.
  for (unsigned bit = len; bit < 128; ++bit) p.addr[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return p;
}

std::string Prefix::to_string() const {
  return address_to_string(afi, std::as_bytes(std::span(addr))) + "/" + std::to_string(length);
}

std::optional<std::string> validate_nlri(ByteSpan field, Afi afi, bool add_path) {
  const std::size_t n = field.size();
  const std::uint8_t maxlen = max_prefix_len(afi);
  std::size_t pos = 0;
  while (pos < n) {
    if (add_path) {
      if (n - pos < 4) return "truncated path identifier";
      pos += 4;
      if (pos >= n) return "path identifier without prefix";
    }
    std::uint8_t len = u8(field, pos++);
    if (len > maxlen) return "prefix length " + std::to_string(len) + " exceeds " + std::to_string(maxlen);
    std::size_t octets = (len + 7u) / 8u;
    if (n - pos < octets) return "prefix overruns the NLRI field";
    pos += octets;
  }
  return std::nullopt;
}

std::size_t NlriView::count() const {
  std::size_t c = 0;
  for (auto it = begin(); it != end(); ++it) ++c;
  return c;
}

void NlriView::iterator::load() {
  const ByteSpan f = view_->field_;
  if (pos_ >= f.size()) {
    pos_ = f.size();
    return;
  }
  std::size_t p = pos_;
  if (view_->add_path_) {
    cur_.path_id = be32(f, p);
    p += 4;
  } else {
    cur_.path_id.reset();
  }
  const std::uint8_t len = u8(f, p++);
  const std::size_t octets = (len + 7u) / 8u;
  cur_.prefix.afi = view_->afi_;
  cur_.prefix.length = len;
  cur_.prefix.addr = {};
  std::memcpy(cur_.prefix.addr.data(), f.data() + p, octets);
  if (len % 8 != 0) cur_.prefix.addr[octets - 1] &= static_cast<std::uint8_t>(0xff00u >> (len % 8));
  next_ = p + octets;
}

std::size_t encoded_nlri_size(const NlriEntry& e, bool add_path) {
  return (add_path ? 4u : 0u) + 1u + (e.prefix.length + 7u) / 8u;
}

void encode_nlri(Writer& w, const NlriEntry& e, bool add_path) {
  if (add_path) w.put32(e.path_id.value_or(0));
  w.put8(e.prefix.length);
  const std::size_t octets = (e.prefix.length + 7u) / 8u;
  w.put(std::as_bytes(std::span(e.prefix.addr.data(), octets)));
}

}  // namespace cats::wire
