// ApiConfig: the `api:` section of config/inzaged.yaml; ApiBackend: what the HTTP API needs of
// the running daemon (the pipeline in production, fakes in tests).
// Thread safety: ApiConfig is a value; an ApiBackend is called from the API's worker threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "detect/alert.h"
#include "detect/citizen_report.h"
#include "event/owned_event.h"
#include "policy/policy.h"

namespace inzage::api {

struct PrivacyContact {
  std::string name = "Privacyfunctionaris Noaberkracht";
  std::string email;
  std::string phone;
  std::string url;
};

// A second token issuer for staff (the organisation's identity provider): it may sign privacy
// officers and the CISO, never citizens.
struct StaffTokens {
  std::string algorithm;  // empty: none; else HS256, EdDSA or RS256 (pinned)
  std::string key_file;   // HS256: hex secret; EdDSA, RS256: the issuer's PEM public key
  std::string audience;   // empty: api.audience
};

// The console's sign-in (OIDC authorization code with PKCE, in the browser).
struct OidcConfig {
  std::string issuer;  // empty: no OIDC sign-in (the console takes demo or portal tokens)
  std::string client_id = "inzage-console";
  std::string scope = "openid";
};

struct ApiConfig {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one (tests)
  // The transport (api/http_server.h).
  int threads = 8;                 // handlers running at once
  int max_queued_requests = 256;   // waiting for a thread; beyond: 503
  int max_connections = 2048;      // open at once; beyond: closed as they arrive
  int idle_timeout_ms = 15000;     // a kept-alive connection waits this long for a request
  int request_timeout_ms = 10000;  // absolute: a request's first byte to its answer's last
  int max_header_bytes = 16384;
  int max_header_fields = 64;
  int max_body_bytes = 64 * 1024;
  std::string tls_certificate_file;  // both set: HTTPS
  std::string tls_key_file;
  // Tokens.
  std::string token_algorithm = "HS256";
  std::string token_key_file = "/run/credentials/inzaged.service/token.key";
  std::string audience = "inzage";
  StaffTokens staff_tokens;
  // The web pages (/ui/): where their files are, and the console's sign-in.
  std::string ui_dir = "/usr/share/inzage/ui";
  OidcConfig oidc;
  bool demo_login = false;  // one-time sign-in links (the demo sets it; not in the file)
  // What citizens see and may do.
  bool show_employee_ids = false;     // citizens see department and role, not the employee id
  int citizen_reads_per_minute = 60;  // per citizen (each read is stored); 0 = no limit
  // "I don't recognise this access" (POST /v1/me/reports): the alert's severity, and how many
  // reports one citizen may file a day on this instance (0 = no limit).
  Severity citizen_report_severity = InfoOf(RuleId::kCitizenReported).severity;
  int citizen_reports_per_day = 10;
  std::string municipality;  // recorded on citizens' reads; empty: the policy's first
  PrivacyContact privacy_contact;
  // The LDV read API (ldv_routes.cc): the history keys one request reads at most before it
  // answers with a cursor. It bounds the work of a query by trace or activity, which no index
  // answers; 10,000 keys take a few milliseconds.
  int ldv_scan_entries = 10000;
  // Other shards (scatter-gather of citizen queries).
  std::vector<std::string> peers;  // base URLs of the other shards, e.g. "http://10.0.0.2:8080"
  // This instance's base URL as the others reach it, published on the membership topic.
  std::string advertise_url;
  int peer_timeout_ms = 2000;
  // The shards' shared HS256 secret (hex, 0600) for the peer route, with its own audience
  // ("<audience>-peer"). Empty: no peer route, and peers cannot be configured.
  std::string peer_key_file;
  std::string peer_ca_file;  // https peers: trust this CA (PEM) instead of the system's
};

class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  // Decides and stores an access of the audit store; returns once it is committed.
  virtual Status RecordAccess(OwnedAccessEvent event) = 0;
  // Changes an alert's status via its owner; returns the new version once committed.
  virtual Result<Alert> TransitionAlert(std::string alert_id, AlertStatus to, std::string by,
                                        std::string why) = 0;
  // Files a citizen's report as an alert (detect/citizen_report.h); returns it once committed
  // (and queued for the CISO topic). Backends without a pipeline (the benchmarks') cannot.
  virtual Result<Alert> ReportAccess(CitizenReport /*report*/) {
    return Status::IoError("this backend does not take citizens' reports");
  }
  // Store open, reference data caught up (the listener being bound is the server's part).
  virtual bool Ready(std::string* reason) const = 0;
  // The policy in force (it may be swapped by a reload between two requests).
  virtual std::shared_ptr<const Policy> policy() const = 0;
  // Messages behind the end of each assigned partition (the console's overview).
  virtual std::map<std::int32_t, std::int64_t> ConsumerLag() const { return {}; }
};

// Parses "host:port" (IPv6 as "[::1]:8080").
Status ParseListenAddress(std::string_view listen, std::string* host, int* port);

}  // namespace inzage::api
