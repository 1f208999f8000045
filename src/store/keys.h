// Key encodings of the store's column families. Times are big-endian with the sign bit flipped
// so that byte order equals time order (scans run by time; "newest first" is a reverse scan).
//
//   history_subject: pseudonym (16) | time (8) | event_id
//   history_actor:   u8 len | actor id | time (8) | event_id   (of an actor group's first event)
//   meta:            text keys ("schema_version", "key_id", "chain/head", "chain/<seq 8>",
//                    "offset/<source>\0<partition 4>", "dict/<entry number 4>")
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/pseudonym.h"
#include "common/time.h"

namespace inzage::keys {

inline void PutTime(std::string* out, TimeMicros t) {
  const std::uint64_t u = static_cast<std::uint64_t>(t) ^ (std::uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(u >> shift));
}

inline void PutBigEndian64(std::string* out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

// The first 8 bytes of `in` (the caller checks there are 8).
inline std::uint64_t GetBigEndian64(std::string_view in) {
  std::uint64_t u = 0;
  for (size_t i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(in[i]);
  return u;
}

inline TimeMicros GetTime(std::string_view in) {
  return static_cast<TimeMicros>(GetBigEndian64(in) ^ (std::uint64_t{1} << 63));
}

inline std::string SubjectPrefix(const Pseudonym& p) {
  return std::string(reinterpret_cast<const char*>(p.bytes.data()), p.bytes.size());
}

inline void AppendSubjectKey(std::string* out, const Pseudonym& p, TimeMicros t,
                             std::string_view event_id) {
  out->append(reinterpret_cast<const char*>(p.bytes.data()), p.bytes.size());
  PutTime(out, t);
  out->append(event_id);
}

inline std::string SubjectKey(const Pseudonym& p, TimeMicros t, std::string_view event_id) {
  std::string k;
  AppendSubjectKey(&k, p, t, event_id);
  return k;
}

inline std::string ActorPrefix(std::string_view actor) {
  std::string k;
  k.push_back(static_cast<char>(actor.size()));
  k.append(actor);
  return k;
}

inline void AppendActorKey(std::string* out, std::string_view actor, TimeMicros t,
                           std::string_view event_id) {
  out->push_back(static_cast<char>(actor.size()));
  out->append(actor);
  PutTime(out, t);
  out->append(event_id);
}

inline std::string ActorKey(std::string_view actor, TimeMicros t, std::string_view event_id) {
  std::string k;
  AppendActorKey(&k, actor, t, event_id);
  return k;
}

// The "time (8) | event id" suffix of a history key (history_subject when `subject_key`, else
// history_actor), or empty when the key is too short to hold one.
inline std::string_view HistoryKeySuffix(std::string_view key, bool subject_key) {
  const size_t prefix =
      subject_key ? 16 : (key.empty() ? 0 : 1 + static_cast<unsigned char>(key[0]));
  if (key.empty() || key.size() < prefix + 8) return {};
  return key.substr(prefix);
}

inline std::string ChainKey(std::uint64_t seq) {
  std::string k = "chain/";
  PutBigEndian64(&k, seq);
  return k;
}

inline std::string DictionaryKey(std::uint32_t entry) {
  std::string k = "dict/";
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>(entry >> shift));
  return k;
}

inline std::string OffsetKey(std::string_view source, std::int32_t partition) {
  std::string k = "offset/";
  k.append(source);
  k.push_back('\0');
  const auto p = static_cast<std::uint32_t>(partition);
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>(p >> shift));
  return k;
}

}  // namespace inzage::keys
