// ApiContext: what every route of the API shares: the configuration, the store, the keys, the
// daemon (backend), the cursors, the per-citizen read and report limits and the peers. The routes
// (citizen_routes.cc, investigation_routes.cc, alert_routes.cc, operations_routes.cc) take it
// by pointer; ApiServer owns it.
//
// Every read of the audit store is itself an access: Record() decides and commits it through
// the backend before the answer is sent, and refuses the answer (503) when it cannot.
//
// Thread safety: read-only after Start, except the members that are thread-safe themselves
// (store, backend, limiter, metrics); handlers run on several worker threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/api_config.h"
#include "api/api_errors.h"
#include "api/auth.h"
#include "api/page_cursor.h"
#include "api/rate_limiter.h"
#include "api/router.h"
#include "api/sessions.h"
#include "api/static_files.h"
#include "api/subject_history.h"
#include "api/token.h"
#include "common/pseudonym.h"
#include "store/store.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace inzage::api {

struct ApiContext {
  ApiContext(ApiConfig c, const Store* s, const Pseudonymizer* p, TokenVerifier v,
             std::optional<TokenVerifier> staff, ApiBackend* b)
      : config(std::move(c)),
        store(s),
        pseudonymizer(p),
        auth(std::move(v), std::move(staff), p, &sessions),
        backend(b),
        cursors(*p),
        citizen_reads(config.citizen_reads_per_minute, std::chrono::minutes(1)),
        citizen_reports(config.citizen_reports_per_day, std::chrono::hours(24)) {}

  const ApiConfig config;
  const Store* const store;
  const Pseudonymizer* const pseudonymizer;
  SessionStore sessions;
  const Authenticator auth;
  std::optional<TokenVerifier> peer_verifier;  // set when api.peer_key_file is
  ApiBackend* const backend;
  const PageCursors cursors;
  CitizenLimiter citizen_reads;
  CitizenLimiter citizen_reports;
  std::unique_ptr<SubjectHistory> subjects;
  std::unique_ptr<StaticFiles> ui;  // the web pages' files (api.ui_dir)
  std::function<std::string()> metrics_text;
  std::atomic<bool> listening{false};

  // The municipality recorded on reads that are not done for one (api.municipality, or the
  // policy's first).
  [[nodiscard]] std::string Municipality(const Policy& policy) const;
  // Records a read of the audit store; the error to answer when it cannot be recorded.
  [[nodiscard]] std::optional<ApiError> Record(OwnedAccessEvent event) const;
  // A privacy officer's or the CISO's read, as the access event it is.
  [[nodiscard]] OwnedAccessEvent OfficerRead(const Caller& caller, const Policy& policy,
                                             Action action, std::vector<Pseudonym> seen) const;
  // What a citizen may see of their history: not the entries of confidential activities, as
  // the register says now (a lifted confidentiality shows them again).
  [[nodiscard]] Store::Visible CitizenVisible() const;
};

// Event ids of the API's own accesses: random letters, so that no id can hold a run of digits
// that could be taken for a BSN.
std::string NewApiEventId();

void AddCitizenRoutes(Router* router, ApiContext* context);
void AddInvestigationRoutes(Router* router, ApiContext* context);
void AddAlertRoutes(Router* router, ApiContext* context);
void AddOperationsRoutes(Router* router, ApiContext* context);
void AddSessionRoutes(Router* router, ApiContext* context);
void AddUiRoutes(Router* router, ApiContext* context);
void AddOverviewRoutes(Router* router, ApiContext* context);
// The LDV read API (Logboek Dataverwerkingen, extensie lezen): ldv_routes.cc.
void AddLdvRoutes(Router* router, ApiContext* context);

}  // namespace inzage::api
