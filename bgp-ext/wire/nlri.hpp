// Prefixes and NLRI (RFC 4271 §4.3, RFC 4760, RFC 7911). NLRI fields are
// validated once at decode time and then iterated lazily over the borrowed
// bytes: no heap allocation per prefix.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bgp-ext/wire/bytes.hpp"

namespace cats::wire {

enum class Afi : std::uint16_t { kIpv4 = 1, kIpv6 = 2 };
inline constexpr std::uint8_t kSafiUnicast = 1;

inline std::uint8_t max_prefix_len(Afi afi) {
  return afi == Afi::kIpv4 ? 32 : 128;
}

// Address family state negotiated on a session that the decoder needs.
struct AddPath {
  bool ipv4 = false;
  bool ipv6 = false;
  bool for_afi(Afi afi) const { return afi == Afi::kIpv4 ? ipv4 : ipv6; }
};

struct Prefix {
  Afi afi = Afi::kIpv4;
  std::uint8_t length = 0;
  std::array<std::uint8_t, 16> addr{};  // bits past `length` are zero

  static std::optional<Prefix> parse(std::string_view text);  // "a.b.c.d/n" or "x::/n"
  std::string to_string() const;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 false positive on a defaulted <=> (llvm-project#53961)
  auto operator<=>(const Prefix&) const = default;
};

struct NlriEntry {
  Prefix prefix;
  std::optional<std::uint32_t> path_id;  // set when ADD-PATH applies
  auto operator<=>(const NlriEntry&) const = default;
};

std::string address_to_string(Afi afi, ByteSpan bytes);  // 4 or 16 octets
std::optional<std::array<std::uint8_t, 16>> parse_address(Afi afi, std::string_view text);

// Validates an NLRI field; on error returns a reason.
std::optional<std::string> validate_nlri(ByteSpan field, Afi afi, bool add_path);

// A validated NLRI field, iterable as NlriEntry values.
class NlriView {
 public:
  NlriView() = default;
  NlriView(ByteSpan field, Afi afi, bool add_path) : field_(field), afi_(afi), add_path_(add_path) {}

  class iterator {
   public:
    using value_type = NlriEntry;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const NlriView* v, std::size_t pos) : view_(v), pos_(pos) { load(); }
    const NlriEntry& operator*() const { return cur_; }
    const NlriEntry* operator->() const { return &cur_; }
    iterator& operator++() {
      pos_ = next_;
      load();
      return *this;
    }
    iterator operator++(int) {
      auto t = *this;
      ++*this;
      return t;
    }
    bool operator==(const iterator& o) const { return pos_ == o.pos_; }

   private:
    void load();
    const NlriView* view_ = nullptr;
    std::size_t pos_ = 0;
    std::size_t next_ = 0;
    NlriEntry cur_;
  };

  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, field_.size()}; }
  bool empty() const { return field_.empty(); }
  std::size_t count() const;
  ByteSpan bytes() const { return field_; }
  Afi afi() const { return afi_; }
  bool add_path() const { return add_path_; }

 private:
  ByteSpan field_;
  Afi afi_ = Afi::kIpv4;
  bool add_path_ = false;
};

// Appends one encoded NLRI entry (path id written iff add_path).
void encode_nlri(Writer& w, const NlriEntry& e, bool add_path);
std::size_t encoded_nlri_size(const NlriEntry& e, bool add_path);

}  // namespace cats::wire
