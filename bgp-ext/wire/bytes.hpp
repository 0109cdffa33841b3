// Byte-level helpers shared by every codec file: a bounds-checked big-endian
// reader over a borrowed span, an appending writer, and hex conversion.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cats::wire {

using Bytes = std::vector<std::byte>;
using ByteSpan = std::span<const std::byte>;

inline std::uint8_t u8(ByteSpan s, std::size_t i) {
  return static_cast<std::uint8_t>(s[i]);
}
inline std::uint16_t be16(ByteSpan s, std::size_t i) {
  return static_cast<std::uint16_t>((u8(s, i) << 8) | u8(s, i + 1));
}
inline std::uint32_t be32(ByteSpan s, std::size_t i) {
  return (std::uint32_t{u8(s, i)} << 24) | (std::uint32_t{u8(s, i + 1)} << 16) | (std::uint32_t{u8(s, i + 2)} << 8) |
         std::uint32_t{u8(s, i + 3)};
}
inline std::uint64_t be64(ByteSpan s, std::size_t i) {
  return (std::uint64_t{be32(s, i)} << 32) | be32(s, i + 4);
}

// Cursor over a span. Every read is checked by the caller through remaining();
// the reader itself never reads past the end (it returns 0 and marks failure).
class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data) {}
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t pos() const { return pos_; }
  bool ok() const { return ok_; }
  bool need(std::size_t n) {
    if (remaining() < n) ok_ = false;
    return ok_;
  }
  std::uint8_t get8() { return need(1) ? u8(data_, pos_++) : 0; }
  std::uint16_t get16() {
    if (!need(2)) return 0;
    auto v = be16(data_, pos_);
    pos_ += 2;
    return v;
  }
  std::uint32_t get32() {
    if (!need(4)) return 0;
    auto v = be32(data_, pos_);
    pos_ += 4;
    return v;
  }
  std::uint64_t get64() {
    if (!need(8)) return 0;
    auto v = be64(data_, pos_);
    pos_ += 8;
    return v;
  }
  ByteSpan take(std::size_t n) {
    if (!need(n)) return {};
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  ByteSpan rest() { return take(remaining()); }

 private:
  ByteSpan data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  void put8(std::uint8_t v) { out_.push_back(static_cast<std::byte>(v)); }
  void put16(std::uint16_t v) {
    put8(static_cast<std::uint8_t>(v >> 8));
    put8(static_cast<std::uint8_t>(v));
  }
  void put32(std::uint32_t v) {
    put16(static_cast<std::uint16_t>(v >> 16));
    put16(static_cast<std::uint16_t>(v));
  }
  void put64(std::uint64_t v) {
    put32(static_cast<std::uint32_t>(v >> 32));
    put32(static_cast<std::uint32_t>(v));
  }
  void put(ByteSpan s) { out_.insert(out_.end(), s.begin(), s.end()); }
  std::size_t size() const { return out_.size(); }
  // Reserve room for a length field and patch it once the body is written.
  std::size_t mark16() {
    put16(0);
    return out_.size() - 2;
  }
  void patch16(std::size_t at, std::uint16_t v) {
    out_[at] = static_cast<std::byte>(v >> 8);
    out_[at + 1] = static_cast<std::byte>(v & 0xff);
  }
  void patch8(std::size_t at, std::uint8_t v) { out_[at] = static_cast<std::byte>(v); }
  Bytes& bytes() { return out_; }

 private:
  Bytes& out_;
};

std::string to_hex(ByteSpan s);
// Accepts upper/lower case, ignores whitespace, ':' and a leading "0x".
std::optional<Bytes> from_hex(std::string_view text);

// Owns buffers that decoded views borrow from (used when a message is built
// from JSON rather than received from the wire).
class Arena {
 public:
  ByteSpan keep(Bytes b) {
    bufs_.push_back(std::move(b));
    return bufs_.back();
  }

 private:
  std::deque<Bytes> bufs_;
};

}  // namespace cats::wire
