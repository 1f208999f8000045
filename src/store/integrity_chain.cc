#include "store/integrity_chain.h"

#include "common/time.h"

namespace inzage {
namespace {

std::string DayText(std::int64_t day) { return FormatRfc3339(day * kMicrosPerDay).substr(0, 10); }

}  // namespace

std::string SegmentName(const SegmentKey& key) {
  if (key.activity == kDictionarySegment) return "the dictionary";
  return "segment " + key.activity + "/" + DayText(key.day);
}

std::string EncodeSegments(const Segments& segments) {
  std::string out;
  const auto n = static_cast<std::uint32_t>(segments.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  for (const auto& [key, seg] : segments) {
    out.push_back(static_cast<char>(key.activity.size()));
    out.append(key.activity);
    out.append(reinterpret_cast<const char*>(&key.day), 8);
    out.append(reinterpret_cast<const char*>(&seg.count), 8);
    out.append(reinterpret_cast<const char*>(seg.sum.limb.data()), 32);
  }
  return out;
}

bool DecodeSegments(std::string_view in, Segments* out) {
  if (in.size() < 4) return false;
  std::uint32_t n;
  std::memcpy(&n, in.data(), 4);
  in.remove_prefix(4);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (in.empty()) return false;
    const auto len = static_cast<unsigned char>(in[0]);
    if (in.size() < 1u + len + 48u) return false;
    SegmentKey key{std::string(in.substr(1, len)), 0};
    in.remove_prefix(1 + len);
    SegmentSum seg;
    std::memcpy(&key.day, in.data(), 8);
    std::memcpy(&seg.count, in.data() + 8, 8);
    std::memcpy(seg.sum.limb.data(), in.data() + 16, 32);
    in.remove_prefix(48);
    (*out)[key] = seg;
  }
  return in.empty();
}

std::string ChainHead(std::string_view prev, std::uint64_t seq, std::string_view segments) {
  const Sha256Digest d =
      Sha256Hasher().Update(prev).Update(&seq, sizeof seq).Update(segments).Finish();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string EncodeChainHeadRow(std::uint64_t seq, std::string_view head) {
  std::string row(8, '\0');
  std::memcpy(row.data(), &seq, 8);
  row += head;
  return row;
}

bool DecodeChainHeadRow(std::string_view row, std::uint64_t* seq, std::string_view* head) {
  if (row.size() != 40) return false;
  std::memcpy(seq, row.data(), 8);
  *head = row.substr(8);
  return true;
}

}  // namespace inzage
