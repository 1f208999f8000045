#include "ingest/invalid_rate_state.h"

#include <string>

#include "detect/state_codec.h"

namespace inzage {

Status InvalidRateState::Restore(std::string_view row) {
  StateReader r(row);
  const std::int64_t stream_time = r.Svarint();
  if (!r.ok()) return Status::Corruption("state " + std::string(kStateKey) + ": malformed");
  if (Status st = rate_.Restore(row.substr(r.position())); !st.ok()) return st;
  stream_time_ = stream_time;
  return Status::Ok();
}

void InvalidRateState::AddToBatch(CommitBatch* batch) {
  if (!dirty_) return;
  std::string blob;
  StateWriter(&blob).Svarint(stream_time_);
  rate_.SerializeTo(&blob);
  batch->state.emplace_back(std::string(kStateKey), std::move(blob));
  dirty_ = false;
}

}  // namespace inzage
