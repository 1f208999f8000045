// StateWriter / StateReader: the compact binary encoding of detector state and alerts
// (behavior_detector.h, alert.h document the record layouts built from these primitives).
//
// Primitives: u8; LEB128 varints for unsigned integers; zig-zag varints for signed ones; fixed
// byte strings; length-prefixed strings. Everything is little-endian and platform-independent,
// so a state written on one machine restores on another.
//
// Ownership: a writer appends to a caller-owned std::string; a reader views caller-owned bytes.
// A reader never throws: the first malformed or truncated field turns ok() false and every
// later read returns zeros. Thread safety: values; not shared.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace inzage {

class StateWriter {
 public:
  explicit StateWriter(std::string* out) : out_(out) {}

  void U8(std::uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void Varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void Svarint(std::int64_t v) {
    Varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void Bytes(const void* data, size_t n) { out_->append(static_cast<const char*>(data), n); }
  void String(std::string_view s) {
    Varint(s.size());
    out_->append(s.data(), s.size());
  }

 private:
  std::string* out_;
};

class StateReader {
 public:
  explicit StateReader(std::string_view in) : in_(in) {}

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] bool AtEnd() const { return pos_ == in_.size(); }
  // Bytes read so far (the rest may be another record).
  [[nodiscard]] size_t position() const { return pos_; }
  // Marks the input malformed (a value out of range, found by the caller).
  void Fail() { ok_ = false; }

  std::uint8_t U8() {
    if (!ok_ || pos_ >= in_.size()) return Failed();
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint64_t Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!ok_ || pos_ >= in_.size()) return Failed();
      const auto b = static_cast<std::uint8_t>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Failed();  // more than 10 bytes
  }
  std::int64_t Svarint() {
    const std::uint64_t u = Varint();
    return static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
  }
  // Copies n bytes into out; false (and zero-filled) when the input is too short.
  bool Bytes(void* out, size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      Failed();
      std::memset(out, 0, n);
      return false;
    }
    std::memcpy(out, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // A length-prefixed string of at most max_len bytes.
  std::string String(size_t max_len) {
    const std::uint64_t n = Varint();
    if (!ok_ || n > max_len || in_.size() - pos_ < n) {
      Failed();
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  std::uint8_t Failed() {
    ok_ = false;
    return 0;
  }

  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace inzage
