#include "api/api_context.h"

#include <openssl/rand.h>

#include <array>

#include "api/auth.h"
#include "api/history_views.h"
#include "common/log.h"

namespace inzage::api {

std::string NewApiEventId() {
  static constexpr char kLetters[] = "abcdefghjkmnpqrstuvwxyz";
  std::array<unsigned char, 20> random{};
  RAND_bytes(random.data(), static_cast<int>(random.size()));
  std::string id = "api-";
  for (unsigned char b : random) id.push_back(kLetters[b % (sizeof kLetters - 1)]);
  return id;
}

std::string ApiContext::Municipality(const Policy& policy) const {
  if (!config.municipality.empty()) return config.municipality;
  return policy.municipalities().empty() ? std::string() : policy.municipalities().front().id;
}

std::optional<ApiError> ApiContext::Record(OwnedAccessEvent event) const {
  std::string reason;
  if (!backend->Ready(&reason)) {
    // Starting up: nothing would record the read for a while; say so at once instead of
    // holding a worker thread.
    return ApiError{ErrorCode::kUnavailable, "not ready (" + reason + "); try again later"};
  }
  Status st = backend->RecordAccess(std::move(event));
  if (st.ok()) return std::nullopt;
  Log(LogLevel::kWarn, "api", "read not recorded, request refused", {{"error", st.message()}});
  return ApiError{ErrorCode::kUnavailable,
                  "this read cannot be recorded right now, so it is not served; try again later"};
}

OwnedAccessEvent ApiContext::OfficerRead(const Caller& caller, const Policy& policy, Action action,
                                         std::vector<Pseudonym> seen) const {
  OwnedAccessEvent e;
  e.event_id = NewApiEventId();
  e.time = WallNow();
  e.municipality = Municipality(policy);
  e.actor_id = caller.actor;
  e.actor_kind = ActorKind::kEmployee;
  e.action = action;
  e.subjects = std::move(seen);
  e.domain = std::string(kAuditDomain);
  e.purpose = std::string(kOfficerActivity);
  return e;
}

Store::Visible ApiContext::CitizenVisible() const {
  return [policy = backend->policy()](const HistoryRecord& r) {
    // A confidential record (VNG vertrouwelijkheid) is hidden like a confidential activity.
    if (r.confidential) return false;
    const Activity* a = policy->FindActivity(r.activity);
    return a == nullptr || !a->confidential;
  };
}

}  // namespace inzage::api
