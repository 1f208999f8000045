#include "api/api_server.h"

#include <httplib.h>
#include <openssl/rand.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <unordered_set>

#include "common/json_writer.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "event/bsn.h"
#include "policy/decision.h"
#include "store/cursor.h"

namespace inzage::api {
namespace {

constexpr size_t kMaxPageSize = 1000;
constexpr size_t kMaxCursorBytes = 512;
constexpr TimeMicros kMaxPeriod = 366 * kMicrosPerDay;
constexpr size_t kMaxInvestigationSubjects = HistoryRecord::kMaxActorSubjects;
constexpr std::string_view kCitizenActivity = "inzage-verzoek";
constexpr std::string_view kOfficerActivity = "privacy-onderzoek";
constexpr std::string_view kAuditDomain = "audit";

TimeMicros WallNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Event ids of the API's own accesses: random letters, so no id can hold a run of digits that
// could be taken for a BSN.
std::string NewEventId() {
  static constexpr char kLetters[] = "abcdefghjkmnpqrstuvwxyz";
  std::array<unsigned char, 20> random{};
  RAND_bytes(random.data(), static_cast<int>(random.size()));
  std::string id = "api-";
  for (unsigned char b : random) id.push_back(kLetters[b % (sizeof kLetters - 1)]);
  return id;
}

enum class ErrorCode {
  kBadRequest,
  kUnauthorized,
  kForbidden,
  kNotFound,
  kConflict,
  kPayloadTooLarge,
  kUnavailable,
  kInternal,
  kMethodNotAllowed,
  kTooManyRequests
};

struct ErrorInfo {
  int status;
  const char* code;
};

ErrorInfo ErrorInfoOf(ErrorCode c) {
  switch (c) {
    case ErrorCode::kBadRequest:
      return {400, "bad_request"};
    case ErrorCode::kUnauthorized:
      return {401, "unauthorized"};
    case ErrorCode::kForbidden:
      return {403, "forbidden"};
    case ErrorCode::kNotFound:
      return {404, "not_found"};
    case ErrorCode::kConflict:
      return {409, "conflict"};
    case ErrorCode::kPayloadTooLarge:
      return {413, "payload_too_large"};
    case ErrorCode::kUnavailable:
      return {503, "unavailable"};
    case ErrorCode::kMethodNotAllowed:
      return {405, "method_not_allowed"};
    case ErrorCode::kTooManyRequests:
      return {429, "too_many_requests"};
    case ErrorCode::kInternal:
      break;
  }
  return {500, "internal"};
}

void SetError(httplib::Response& res, ErrorCode code, std::string_view message) {
  const ErrorInfo info = ErrorInfoOf(code);
  res.status = info.status;
  std::string body = "{\"error\":{\"code\":\"";
  body += info.code;
  body += "\",\"message\":";
  AppendJsonString(body, message);
  body += "}}";
  if (code == ErrorCode::kUnauthorized) res.set_header("WWW-Authenticate", "Bearer");
  if (code == ErrorCode::kTooManyRequests) res.set_header("Retry-After", "60");
  res.set_content(body, "application/json");
}

// A failed request: the status and message of a handler's error.
struct HttpError {
  ErrorCode code;
  std::string message;
};

// What a parsed time window and page request hold.
struct PageRequest {
  TimeMicros from = 0;
  TimeMicros to = 0;
  std::string cursor;
  size_t limit = kMaxPageSize;
};

// A page size: 1-1000, or `default_limit` when absent.
std::optional<HttpError> ParseLimit(std::string_view text, size_t default_limit, size_t* out) {
  *out = default_limit;
  if (text.empty()) return std::nullopt;
  size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || n > kMaxPageSize) {
      return HttpError{ErrorCode::kBadRequest, "limit must be an integer from 1 to 1000"};
    }
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (n < 1 || n > kMaxPageSize) {
    return HttpError{ErrorCode::kBadRequest, "limit must be an integer from 1 to 1000"};
  }
  *out = n;
  return std::nullopt;
}

// A failed store read as an answer: a cursor the store did not hand out is the client's
// mistake (400), anything else ours (500, logged, details not shown).
HttpError StoreReadError(const Status& st) {
  if (st.code() == Status::Code::kInvalidArgument) {
    return HttpError{ErrorCode::kBadRequest, st.message()};
  }
  Log(LogLevel::kError, "api", "store read failed", {{"error", st.message()}});
  return HttpError{ErrorCode::kInternal, "the store could not be read"};
}

std::optional<HttpError> ParsePage(std::string_view from_text, std::string_view to_text,
                                   std::string_view cursor, std::string_view limit_text,
                                   size_t default_limit, PageRequest* out) {
  if (from_text.empty() || to_text.empty()) {
    return HttpError{ErrorCode::kBadRequest, "from and to are required (RFC 3339 times)"};
  }
  const auto from = ParseRfc3339(from_text);
  const auto to = ParseRfc3339(to_text);
  if (!from) return HttpError{ErrorCode::kBadRequest, "from is not an RFC 3339 time with a zone"};
  if (!to) return HttpError{ErrorCode::kBadRequest, "to is not an RFC 3339 time with a zone"};
  if (*from > *to) return HttpError{ErrorCode::kBadRequest, "from is after to"};
  if (*to - *from > kMaxPeriod) {
    return HttpError{ErrorCode::kBadRequest, "the period is longer than one year (366 days)"};
  }
  if (cursor.size() > kMaxCursorBytes) return HttpError{ErrorCode::kBadRequest, "cursor too long"};
  if (!InCursorAlphabet(cursor)) {
    return HttpError{ErrorCode::kBadRequest, "cursor is not one this API handed out"};
  }
  out->from = *from;
  out->to = *to;
  out->cursor = std::string(cursor);
  return ParseLimit(limit_text, default_limit, &out->limit);
}

// `"from":"…","to":"…","entries":[` of a page answer.
void AppendPeriodAndOpenEntries(std::string& out, const PageRequest& page) {
  out += "\"from\":\"";
  AppendRfc3339(out, page.from);
  out += "\",\"to\":\"";
  AppendRfc3339(out, page.to);
  out += "\",\"entries\":[";
}

void AppendCategories(std::string& out, CategorySet set) {
  out.push_back('[');
  bool first = true;
  for (size_t i = 0; i < kCategoryNames.size(); ++i) {
    if ((set & (1u << i)) == 0) continue;
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, kCategoryNames[i]);
  }
  out.push_back(']');
}

void AppendRecipient(std::string& out, const HistoryRecord& r) {
  if (r.recipient.empty() || r.recipient_kind >= kRecipientKindNames.size()) {
    out += "null";
    return;
  }
  out += "{\"id\":";
  AppendJsonString(out, r.recipient);
  out += ",\"kind\":";
  AppendJsonString(out, kRecipientKindNames[r.recipient_kind]);
  out.push_back('}');
}

void AppendActivity(std::string& out, const HistoryRecord& r, const Policy& policy) {
  out += "{\"id\":";
  AppendJsonString(out, r.activity);
  out += ",\"name\":";
  const Activity* a = policy.FindActivity(r.activity);
  AppendJsonStringOrNull(out, a == nullptr ? std::string_view() : std::string_view(a->name));
  out.push_back('}');
}

// The fields both views share: on whose behalf, by which part of the organisation, what.
void AppendAccessFields(std::string& out, const HistoryRecord& r, const Policy& policy) {
  out += ",\"municipality\":";
  AppendJsonString(out, r.municipality);
  out += ",\"department\":";
  AppendJsonStringOrNull(out, r.department);
  out += ",\"role\":";
  AppendJsonStringOrNull(out, r.role);
  out += ",\"action\":";
  AppendJsonString(out, NameOf(kActionNames, r.action));
  out += ",\"activity\":";
  AppendActivity(out, r, policy);
  out += ",\"domain\":";
  AppendJsonString(out, r.domain);
  out += ",\"info\":";
  AppendJsonString(out, NameOf(kInfoLevelNames, r.info));
  out += ",\"categories\":";
  AppendCategories(out, r.categories);
  out += ",\"recipient\":";
  AppendRecipient(out, r);
}

// The citizen's view of one access: what, when, on whose behalf and by which part of the
// organisation; no subject, and the employee id only when configured.
void AppendCitizenEntry(std::string& out, const HistoryRecord& r, const Policy& policy,
                        bool show_employee_ids) {
  out += "{\"time\":\"";
  AppendRfc3339(out, r.time);
  out.push_back('"');
  if (show_employee_ids) {
    out += ",\"actor\":";
    AppendJsonString(out, r.actor);
  }
  AppendAccessFields(out, r, policy);
  out.push_back('}');
}

// The investigators' view: also the event, the employee, the case, the verdict and the rules,
// and the subjects as pseudonyms.
void AppendInvestigationEntry(std::string& out, const HistoryRecord& r, const Policy& policy) {
  out += "{\"time\":\"";
  AppendRfc3339(out, r.time);
  out += "\",\"event_id\":";
  AppendJsonString(out, r.event_id);
  out += ",\"actor\":";
  AppendJsonString(out, r.actor);
  AppendAccessFields(out, r, policy);
  out += ",\"case_id\":";
  AppendJsonStringOrNull(out, r.case_id);
  out += ",\"verdict\":";
  AppendJsonString(out, NameOf(kVerdictNames, r.verdict));
  out += ",\"rules\":[";
  for (size_t i = 0; i < r.rules.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(out, InfoOf(r.rules[i]).id);
  }
  out += "],\"subject_count\":" + std::to_string(r.subject_count) + ",\"subjects\":[";
  for (size_t i = 0; i < r.subjects.size() && i < kMaxInvestigationSubjects; ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(out, r.subjects[i].Hex());
  }
  out += "]}";
}

// One CSV cell (RFC 4180), defused against formula injection in spreadsheets.
void AppendCsvCell(std::string& out, std::string_view cell) {
  const bool formula = !cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' ||
                                         cell[0] == '@' || cell[0] == '\t' || cell[0] == '\r');
  const bool quote = formula || cell.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out.append(cell);
    return;
  }
  out.push_back('"');
  if (formula) out.push_back('\'');
  for (char c : cell) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

bool ParseHexPseudonym(std::string_view hex, Pseudonym* out) {
  if (hex.size() != 32) return false;
  for (size_t i = 0; i < 16; ++i) {
    int v = 0;
    for (size_t j = 0; j < 2; ++j) {
      const char c = hex[2 * i + j];
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    out->bytes[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

// Entries of one subject from one shard, and who could not answer.
struct MergedPage {
  std::vector<HistoryRecord> entries;
  std::string next_cursor;
  std::vector<std::string> unavailable_peers;
};

// Parses the investigation entries a peer returned (the same JSON this server writes).
bool ParsePeerEntries(std::string_view body, std::vector<HistoryRecord>* out, std::string* cursor) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return false;
  simdjson::dom::array entries;
  if (doc["entries"].get_array().get(entries) != simdjson::SUCCESS) return false;
  std::string_view next;
  if (doc["next_cursor"].get_string().get(next) == simdjson::SUCCESS) *cursor = std::string(next);
  for (simdjson::dom::element e : entries) {
    HistoryRecord r;
    std::string_view s;
    auto str = [&e, &s](const char* name) {
      s = {};
      return e[name].get_string().get(s) == simdjson::SUCCESS;
    };
    if (!str("time")) return false;
    const auto t = ParseRfc3339(s);
    if (!t) return false;
    r.time = *t;
    if (!str("event_id")) return false;
    r.event_id = std::string(s);
    if (str("actor")) r.actor = std::string(s);
    if (str("role")) r.role = std::string(s);
    if (str("department")) r.department = std::string(s);
    if (str("municipality")) r.municipality = std::string(s);
    if (str("domain")) r.domain = std::string(s);
    if (str("case_id")) r.case_id = std::string(s);
    if (!str("action")) return false;
    const auto action = EnumFromName<Action>(kActionNames, s);
    if (!str("info")) return false;
    const auto info = EnumFromName<InfoLevel>(kInfoLevelNames, s);
    if (!str("verdict")) return false;
    const auto verdict = EnumFromName<Verdict>(kVerdictNames, s);
    if (!action || !info || !verdict) return false;
    r.action = *action;
    r.info = *info;
    r.verdict = *verdict;
    if (e["activity"]["id"].get_string().get(s) != simdjson::SUCCESS) return false;
    r.activity = std::string(s);
    simdjson::dom::array list;
    if (e["categories"].get_array().get(list) == simdjson::SUCCESS) {
      for (simdjson::dom::element c : list) {
        std::string_view name;
        if (c.get_string().get(name) != simdjson::SUCCESS) return false;
        const auto cat = EnumFromName<Category>(kCategoryNames, name);
        if (!cat) return false;
        r.categories |= CategoryBit(*cat);
      }
    }
    simdjson::dom::element recipient;
    if (e["recipient"].get(recipient) == simdjson::SUCCESS && recipient.is_object()) {
      std::string_view id, kind;
      if (recipient["id"].get_string().get(id) == simdjson::SUCCESS &&
          recipient["kind"].get_string().get(kind) == simdjson::SUCCESS) {
        const auto k = EnumFromName<RecipientKind>(kRecipientKindNames, kind);
        if (k) {
          r.recipient = std::string(id);
          r.recipient_kind = static_cast<std::uint8_t>(*k);
        }
      }
    }
    if (e["rules"].get_array().get(list) == simdjson::SUCCESS) {
      for (simdjson::dom::element rule : list) {
        std::string_view id;
        if (rule.get_string().get(id) != simdjson::SUCCESS) return false;
        if (auto rid = RuleIdFromName(id)) r.rules.push_back(*rid);
      }
    }
    std::uint64_t count = 0;
    if (e["subject_count"].get_uint64().get(count) == simdjson::SUCCESS) {
      r.subject_count = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, UINT32_MAX));
    }
    out->push_back(std::move(r));
  }
  return true;
}

}  // namespace

Status ParseListenAddress(std::string_view listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == listen.size()) {
    return Status::InvalidArgument("listen address '" + std::string(listen) + "' is not host:port");
  }
  std::string_view h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int p = 0;
  for (char c : listen.substr(colon + 1)) {
    if (c < '0' || c > '9' || p > 65535) {
      return Status::InvalidArgument("listen address '" + std::string(listen) + "': bad port");
    }
    p = p * 10 + (c - '0');
  }
  if (p > 65535 || h.empty()) {
    return Status::InvalidArgument("listen address '" + std::string(listen) +
                                   "': bad host or port");
  }
  *host = std::string(h);
  *port = p;
  return Status::Ok();
}

// Worker threads with a bounded queue of accepted connections: when it is full the acceptor
// waits, so further connections wait in the kernel's listen backlog instead of our memory.
class BoundedThreadPool final : public httplib::TaskQueue {
 public:
  BoundedThreadPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
    for (size_t i = 0; i < threads; ++i)
      workers_.emplace_back([this] {
        NameThisThread("inzage-http");
        Work();
      });
  }
  ~BoundedThreadPool() override = default;

  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [this] { return jobs_.size() < max_queued_ || shutdown_; });
    jobs_.push_back(std::move(fn));
    not_empty_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      shutdown_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        not_empty_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        not_full_.notify_one();
      }
      fn();
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> workers_;
};

// Reads per citizen: every read is a stored access, so one token must not be able to flood the
// store. A token bucket per pseudonym, refilled at `per_minute` a minute, holding at most a
// minute's worth; idle buckets are dropped when there are many.
class CitizenReadLimiter {
 public:
  explicit CitizenReadLimiter(int per_minute) : per_minute_(per_minute) {}

  bool Allow(const Pseudonym& who) {
    if (per_minute_ <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (buckets_.size() > kMaxTracked) {
      for (auto it = buckets_.begin(); it != buckets_.end();) {
        it = now - it->second.last > std::chrono::minutes(2) ? buckets_.erase(it) : std::next(it);
      }
    }
    auto [it, fresh] = buckets_.try_emplace(who, Bucket{static_cast<double>(per_minute_), now});
    Bucket& b = it->second;
    if (!fresh) {
      const double minutes = std::chrono::duration<double>(now - b.last).count() / 60.0;
      b.tokens = std::min<double>(per_minute_, b.tokens + minutes * per_minute_);
      b.last = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

 private:
  static constexpr size_t kMaxTracked = 100000;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  const int per_minute_;
  std::mutex mu_;
  std::unordered_map<Pseudonym, Bucket, PseudonymHash> buckets_;  // guarded by mu_
};

struct ApiServer::Impl {
  ApiConfig config;
  const Store* store;
  const Pseudonymizer* pseudonymizer;
  TokenVerifier verifier;
  ApiBackend* backend;
  std::shared_ptr<prometheus::Registry> registry;
  std::function<std::string()> metrics_text;
  std::optional<TokenSigner> peer_signer;
  std::optional<TokenVerifier> peer_verifier;
  CitizenReadLimiter citizen_reads{config.citizen_reads_per_minute};
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  std::mutex counters_mu;
  std::map<std::pair<std::string, int>, prometheus::Counter*> counters;  // by counters_mu
  std::atomic<bool> listening{false};

  Impl(ApiConfig c, const Store* s, const Pseudonymizer* p, TokenVerifier v, ApiBackend* b,
       std::shared_ptr<prometheus::Registry> r, std::function<std::string()> m)
      : config(std::move(c)),
        store(s),
        pseudonymizer(p),
        verifier(std::move(v)),
        backend(b),
        registry(std::move(r)),
        metrics_text(std::move(m)) {
    if (registry) {
      requests = &prometheus::BuildCounter()
                      .Name("inzage_http_requests_total")
                      .Help("HTTP requests answered, by route and status code")
                      .Register(*registry);
    }
  }

  void Count(const std::string& route, int status) {
    if (requests == nullptr) return;
    prometheus::Counter* c = nullptr;
    {
      std::lock_guard lock(counters_mu);
      auto& slot = counters[{route, status}];
      // Family::Add costs microseconds: once per (route, status), then the cached counter.
      if (slot == nullptr) {
        slot = &requests->Add({{"route", route}, {"status", std::to_string(status)}});
      }
      c = slot;
    }
    c->Increment();
  }

  // Authenticates the request; on failure fills res and returns nullopt.
  std::optional<TokenClaims> Authenticate(const httplib::Request& req, httplib::Response& res,
                                          std::initializer_list<TokenRole> roles) {
    return Authenticate(req, res, verifier, roles);
  }

  // The bearer token of the request, verified by `with` and holding one of `roles`; on failure
  // res holds the 401 or 403.
  static std::optional<TokenClaims> Authenticate(const httplib::Request& req,
                                                 httplib::Response& res, const TokenVerifier& with,
                                                 std::initializer_list<TokenRole> roles) {
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.empty()) {
      SetError(res, ErrorCode::kUnauthorized, "a bearer token is required");
      return std::nullopt;
    }
    if (header.size() <= kBearer.size() ||
        !std::equal(kBearer.begin(), kBearer.end(), header.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      SetError(res, ErrorCode::kUnauthorized, "the Authorization header is not a bearer token");
      return std::nullopt;
    }
    TokenClaims claims;
    TokenError why{};
    if (!with.Verify(std::string_view(header).substr(kBearer.size()), WallNow(), &claims, &why)) {
      SetError(res, ErrorCode::kUnauthorized, TokenErrorText(why));
      return std::nullopt;
    }
    if (std::find(roles.begin(), roles.end(), claims.role) == roles.end()) {
      SetError(res, ErrorCode::kForbidden,
               "role " + std::string(TokenRoleName(claims.role)) + " may not use this route");
      return std::nullopt;
    }
    return claims;
  }

  // Daemons of one deployment call each other with their own key (api.peer_key_file) and
  // audience: a key that signs citizens' or staff tokens cannot reach the peer route, and a
  // peer key cannot reach any other route.
  std::string PeerAudience() const { return config.audience + "-peer"; }

  std::optional<TokenClaims> AuthenticatePeer(const httplib::Request& req, httplib::Response& res) {
    if (!peer_verifier) {
      SetError(res, ErrorCode::kForbidden, "this daemon has no peer key (api.peer_key_file)");
      return std::nullopt;
    }
    return Authenticate(req, res, *peer_verifier, {TokenRole::kPeer});
  }

  std::string Municipality(const Policy& policy) const {
    if (!config.municipality.empty()) return config.municipality;
    return policy.municipalities().empty() ? std::string() : policy.municipalities().front().id;
  }

  // Records a read of the audit store; false (and a 503 in res) when it cannot be recorded.
  bool Record(httplib::Response& res, OwnedAccessEvent event) {
    std::string reason;
    if (!backend->Ready(&reason)) {
      // Starting up: nothing would record the read for a while; say so at once instead of
      // holding a worker thread.
      SetError(res, ErrorCode::kUnavailable, "not ready (" + reason + "); try again later");
      return false;
    }
    Status st = backend->RecordAccess(std::move(event));
    if (st.ok()) return true;
    Log(LogLevel::kWarn, "api", "read not recorded, request refused", {{"error", st.message()}});
    SetError(res, ErrorCode::kUnavailable,
             "this read cannot be recorded right now, so it is not served; try again later");
    return false;
  }

  OwnedAccessEvent OfficerRead(const TokenClaims& claims, const Policy& policy, Action action,
                               std::vector<Pseudonym> subjects) const {
    OwnedAccessEvent e;
    e.event_id = NewEventId();
    e.time = WallNow();
    e.municipality = Municipality(policy);
    e.actor_id = claims.subject;
    e.actor_kind = ActorKind::kEmployee;
    e.action = action;
    e.subjects = std::move(subjects);
    e.domain = std::string(kAuditDomain);
    e.purpose = std::string(kOfficerActivity);
    return e;
  }

  // The entries of one subject from this store and every peer, merged newest first.
  // With a citizen's view, confidential activities are filtered out in every store before its
  // page is cut, so neither a page's size nor its cursor says that a hidden entry exists.
  MergedPage QuerySubjectEverywhere(const Pseudonym& subject, const PageRequest& page,
                                    bool citizen_view, std::optional<HttpError>* error) {
    MergedPage merged;
    std::vector<std::future<std::optional<std::pair<std::vector<HistoryRecord>, std::string>>>>
        answers;
    for (const std::string& peer : config.peers) {
      answers.push_back(std::async(std::launch::async, [this, peer, subject, page, citizen_view] {
        return AskPeer(peer, subject, page, citizen_view);
      }));
    }
    auto local = store->QuerySubject(subject, page.from, page.to, page.limit, page.cursor,
                                     citizen_view ? CitizenVisible() : Store::Visible());
    if (answers.empty() && local.ok()) {
      // One shard: the store's page is the answer, no merge needed.
      merged.entries.reserve(local->entries.size());
      for (QueryEntry& e : local->entries) merged.entries.push_back(std::move(e.record));
      merged.next_cursor = std::move(local->next_cursor);
      return merged;
    }
    std::vector<HistoryRecord> all;
    bool more = false;
    if (!local.ok()) {
      *error = StoreReadError(local.status());
    } else {
      for (QueryEntry& e : local->entries) all.push_back(std::move(e.record));
      more = !local->next_cursor.empty();
    }
    for (size_t i = 0; i < answers.size(); ++i) {
      auto answer = answers[i].get();
      if (!answer) {
        // Citizens learn that a part is missing, not the deployment's internal addresses.
        merged.unavailable_peers.push_back(citizen_view ? "peer-" + std::to_string(i + 1)
                                                        : config.peers[i]);
        continue;
      }
      for (HistoryRecord& r : answer->first) all.push_back(std::move(r));
      more = more || !answer->second.empty();
    }
    // Newest first; then by event id, so ties are ordered the same on every call.
    std::sort(all.begin(), all.end(), [](const HistoryRecord& a, const HistoryRecord& b) {
      return a.time != b.time ? a.time > b.time : a.event_id > b.event_id;
    });
    std::unordered_set<std::string> seen;
    for (HistoryRecord& r : all) {
      if (!seen.insert(r.event_id).second) continue;  // one event stored by two shards
      if (merged.entries.size() == page.limit) {
        more = true;
        break;
      }
      merged.entries.push_back(std::move(r));
    }
    if (more && !merged.entries.empty()) {
      merged.next_cursor = CursorOf(merged.entries.back().time, merged.entries.back().event_id);
    }
    return merged;
  }

  // What a citizen may see of their history: not the entries of confidential activities, as
  // the register says now (a lifted confidentiality shows them again).
  Store::Visible CitizenVisible() const {
    return [policy = backend->policy()](const HistoryRecord& r) {
      const Activity* a = policy->FindActivity(r.activity);
      return a == nullptr || !a->confidential;
    };
  }

  std::optional<std::pair<std::vector<HistoryRecord>, std::string>> AskPeer(
      const std::string& peer, const Pseudonym& subject, const PageRequest& page,
      bool citizen_view) {
    if (!peer_signer) return std::nullopt;
    auto token = peer_signer->Sign("inzaged", TokenRole::kPeer, PeerAudience(), WallNow(),
                                   60 * kMicrosPerSecond);
    if (!token.ok()) return std::nullopt;
    httplib::Client client(peer);
    const auto timeout = std::chrono::milliseconds(config.peer_timeout_ms);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    std::string body = "{\"subject\":\"" + subject.Hex() + "\",\"from\":";
    AppendJsonString(body, FormatRfc3339(page.from));
    body += ",\"to\":";
    AppendJsonString(body, FormatRfc3339(page.to));
    if (!page.cursor.empty()) body += ",\"cursor\":\"" + page.cursor + "\"";
    body += ",\"limit\":" + std::to_string(page.limit);
    body += citizen_view ? ",\"citizen_view\":true}" : "}";
    httplib::Headers headers{{"Authorization", "Bearer " + *token}};
    auto res = client.Post("/v1/internal/subject-accesses", headers, body, "application/json");
    if (!res || res->status != 200) {
      if (res) {
        Log(LogLevel::kWarn, "api", "peer did not answer",
            {{"peer", peer}, {"status", res->status}});
      } else {
        Log(LogLevel::kWarn, "api", "peer did not answer",
            {{"peer", peer}, {"error", "transport"}});
      }
      return std::nullopt;
    }
    std::pair<std::vector<HistoryRecord>, std::string> out;
    if (!ParsePeerEntries(res->body, &out.first, &out.second)) {
      Log(LogLevel::kWarn, "api", "peer answer unreadable", {{"peer", peer}});
      return std::nullopt;
    }
    return out;
  }

  // GET /v1/me/accesses[.csv]
  void CitizenAccesses(const httplib::Request& req, httplib::Response& res, bool csv) {
    auto claims = Authenticate(req, res, {TokenRole::kCitizen});
    if (!claims) return;
    NormalisedBsn bsn;
    if (CheckBsn(claims->subject, &bsn) != nullptr) {
      SetError(res, ErrorCode::kUnauthorized, "token claims missing or invalid");
      return;
    }
    const Pseudonym self = pseudonymizer->Pseudonymise(std::string_view(bsn.data(), bsn.size()));
    claims->subject.assign(claims->subject.size(), '0');  // the BSN is not kept around
    PageRequest page;
    if (auto err = ParsePage(req.get_param_value("from"), req.get_param_value("to"),
                             req.get_param_value("cursor"), req.get_param_value("limit"),
                             kMaxPageSize, &page)) {
      SetError(res, err->code, err->message);
      return;
    }
    if (!citizen_reads.Allow(self)) {
      SetError(res, ErrorCode::kTooManyRequests,
               "too many reads of this history in the last minute; try again later");
      return;
    }
    const std::shared_ptr<const Policy> policy = backend->policy();
    OwnedAccessEvent read;
    read.event_id = NewEventId();
    read.time = WallNow();
    read.municipality = Municipality(*policy);
    // Per citizen, so the behaviour rules see one citizen as one actor; no BSN in it.
    read.actor_id = "citizen-" + self.Hex();
    read.actor_kind = ActorKind::kCitizen;
    read.action = Action::kView;
    read.subjects = {self};
    read.domain = std::string(kAuditDomain);
    read.purpose = std::string(kCitizenActivity);
    if (!Record(res, std::move(read))) return;

    std::optional<HttpError> error;
    MergedPage merged = QuerySubjectEverywhere(self, page, /*citizen_view=*/true, &error);
    if (error) {
      SetError(res, error->code, error->message);
      return;
    }
    const Store::Visible visible = CitizenVisible();
    if (csv) {
      std::string out =
          "time,municipality,department,role,action,activity_id,activity_name,domain,info,"
          "categories,recipient_id,recipient_kind\r\n";
      for (const HistoryRecord& r : merged.entries) {
        if (!visible(r)) continue;
        const Activity* a = policy->FindActivity(r.activity);
        std::string categories;
        for (size_t i = 0; i < kCategoryNames.size(); ++i) {
          if ((r.categories & (1u << i)) == 0) continue;
          if (!categories.empty()) categories.push_back(';');
          categories.append(kCategoryNames[i]);
        }
        const bool has_recipient =
            !r.recipient.empty() && r.recipient_kind < kRecipientKindNames.size();
        const std::string time = FormatRfc3339(r.time);
        const std::string_view cells[] = {
            time,
            r.municipality,
            r.department,
            r.role,
            NameOf(kActionNames, r.action),
            r.activity,
            a == nullptr ? std::string_view() : std::string_view(a->name),
            r.domain,
            NameOf(kInfoLevelNames, r.info),
            categories,
            has_recipient ? std::string_view(r.recipient) : std::string_view(),
            has_recipient ? kRecipientKindNames[r.recipient_kind] : std::string_view()};
        for (size_t i = 0; i < std::size(cells); ++i) {
          if (i > 0) out.push_back(',');
          AppendCsvCell(out, cells[i]);
        }
        out += "\r\n";
      }
      if (!merged.next_cursor.empty()) res.set_header("X-Next-Cursor", merged.next_cursor);
      if (!merged.unavailable_peers.empty()) res.set_header("X-Partial", "true");
      res.set_header("Content-Disposition", "attachment; filename=\"inzage.csv\"");
      res.set_content(out, "text/csv; charset=utf-8");
      return;
    }
    std::string out;
    out.reserve(512 + merged.entries.size() * 384);
    out.push_back('{');
    AppendPeriodAndOpenEntries(out, page);
    bool first = true;
    for (const HistoryRecord& r : merged.entries) {
      if (!visible(r)) continue;
      if (!first) out.push_back(',');
      first = false;
      AppendCitizenEntry(out, r, *policy, config.show_employee_ids);
    }
    AppendPageTail(out, merged);
    res.set_content(out, "application/json");
  }

  static void AppendPageTail(std::string& out, const MergedPage& merged) {
    out += "],\"next_cursor\":";
    AppendJsonStringOrNull(out, merged.next_cursor);
    out += ",\"partial\":";
    out += merged.unavailable_peers.empty() ? "false" : "true";
    out += ",\"unavailable_peers\":[";
    for (size_t i = 0; i < merged.unavailable_peers.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(out, merged.unavailable_peers[i]);
    }
    out += "]}";
  }

  // Parses a JSON request body into a DOM element; false (with res filled) when it is not an
  // object with only the allowed keys.
  static bool ParseBody(const httplib::Request& req, httplib::Response& res,
                        simdjson::dom::parser& parser, simdjson::dom::object* out,
                        std::initializer_list<std::string_view> allowed) {
    simdjson::dom::element doc;
    if (parser.parse(req.body).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(*out) != simdjson::SUCCESS) {
      SetError(res, ErrorCode::kBadRequest, "the body must be a JSON object");
      return false;
    }
    for (auto field : *out) {
      if (std::find(allowed.begin(), allowed.end(), field.key) == allowed.end()) {
        SetError(res, ErrorCode::kBadRequest, "unknown field in body");
        return false;
      }
    }
    return true;
  }

  static std::string_view StringField(simdjson::dom::object& obj, const char* name, bool* bad) {
    simdjson::dom::element e;
    if (obj[name].get(e) != simdjson::SUCCESS) return {};
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) *bad = true;
    return s;
  }

  // POST /v1/subjects/accesses and POST /v1/internal/subject-accesses
  void SubjectAccesses(const httplib::Request& req, httplib::Response& res, bool internal) {
    auto claims = internal ? AuthenticatePeer(req, res)
                           : Authenticate(req, res, {TokenRole::kPrivacyOfficer, TokenRole::kCiso});
    if (!claims) return;
    simdjson::dom::parser parser;
    simdjson::dom::object body;
    if (!ParseBody(req, res, parser, &body,
                   {internal ? "subject" : "bsn", "from", "to", "cursor", "limit",
                    internal ? "citizen_view" : "bsn"})) {
      return;
    }
    bool citizen_view = false;
    if (internal) {
      simdjson::dom::element flag;
      if (body["citizen_view"].get(flag) == simdjson::SUCCESS &&
          flag.get_bool().get(citizen_view) != simdjson::SUCCESS) {
        SetError(res, ErrorCode::kBadRequest, "citizen_view must be true or false");
        return;
      }
    }
    bool bad = false;
    const std::string_view who = StringField(body, internal ? "subject" : "bsn", &bad);
    const std::string_view from = StringField(body, "from", &bad);
    const std::string_view to = StringField(body, "to", &bad);
    const std::string_view cursor = StringField(body, "cursor", &bad);
    std::string limit;
    simdjson::dom::element limit_element;
    if (body["limit"].get(limit_element) == simdjson::SUCCESS) {
      std::int64_t n = 0;
      if (limit_element.get_int64().get(n) != simdjson::SUCCESS) bad = true;
      limit = std::to_string(n);
    }
    if (bad) {
      SetError(res, ErrorCode::kBadRequest, "body fields have the wrong type");
      return;
    }
    Pseudonym subject;
    if (internal) {
      if (!ParseHexPseudonym(who, &subject)) {
        SetError(res, ErrorCode::kBadRequest, "subject must be 32 lower-case hex digits");
        return;
      }
    } else {
      NormalisedBsn bsn;
      if (const char* why = CheckBsn(who, &bsn)) {
        SetError(res, ErrorCode::kBadRequest, std::string("bsn: ") + why);
        return;
      }
      subject = pseudonymizer->Pseudonymise(std::string_view(bsn.data(), bsn.size()));
    }
    PageRequest page;
    if (auto err = ParsePage(from, to, cursor, limit, kMaxPageSize, &page)) {
      SetError(res, err->code, err->message);
      return;
    }
    const std::shared_ptr<const Policy> policy = backend->policy();
    if (internal) {
      // A peer's part of a citizen query: the citizen's read is recorded where it was asked.
      auto local = store->QuerySubject(subject, page.from, page.to, page.limit, page.cursor,
                                       citizen_view ? CitizenVisible() : Store::Visible());
      if (!local.ok()) {
        const HttpError err = StoreReadError(local.status());
        SetError(res, err.code, err.message);
        return;
      }
      std::string out = "{\"entries\":[";
      for (size_t i = 0; i < local->entries.size(); ++i) {
        if (i > 0) out.push_back(',');
        AppendInvestigationEntry(out, local->entries[i].record, *policy);
      }
      out += "],\"next_cursor\":";
      AppendJsonStringOrNull(out, local->next_cursor);
      out += "}";
      res.set_content(out, "application/json");
      return;
    }
    if (!Record(res, OfficerRead(*claims, *policy, Action::kSearch, {subject}))) return;
    std::optional<HttpError> error;
    MergedPage merged = QuerySubjectEverywhere(subject, page, /*citizen_view=*/false, &error);
    if (error) {
      SetError(res, error->code, error->message);
      return;
    }
    std::string out = "{";
    AppendPeriodAndOpenEntries(out, page);
    for (size_t i = 0; i < merged.entries.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendInvestigationEntry(out, merged.entries[i], *policy);
    }
    AppendPageTail(out, merged);
    res.set_content(out, "application/json");
  }

  // GET /v1/actors/{id}/accesses
  void ActorAccesses(const httplib::Request& req, httplib::Response& res) {
    auto claims = Authenticate(req, res, {TokenRole::kPrivacyOfficer, TokenRole::kCiso});
    if (!claims) return;
    const std::string actor = req.matches[1];
    if (actor.empty() || actor.size() > 128 ||
        std::any_of(actor.begin(), actor.end(), [](char c) { return c < 0x21 || c > 0x7e; })) {
      SetError(res, ErrorCode::kBadRequest, "actor id must be 1-128 printable characters");
      return;
    }
    PageRequest page;
    if (auto err = ParsePage(req.get_param_value("from"), req.get_param_value("to"),
                             req.get_param_value("cursor"), req.get_param_value("limit"),
                             kMaxPageSize, &page)) {
      SetError(res, err->code, err->message);
      return;
    }
    auto result = store->QueryActor(actor, page.from, page.to, page.limit, page.cursor);
    if (!result.ok()) {
      const HttpError err = StoreReadError(result.status());
      SetError(res, err.code, err.message);
      return;
    }
    const std::shared_ptr<const Policy> policy = backend->policy();
    // The officer saw these subjects' accesses: the read is recorded on each of them.
    std::vector<Pseudonym> subjects;
    for (const QueryEntry& e : result->entries) {
      for (const Pseudonym& p : e.record.subjects) {
        if (subjects.size() >= kMaxInvestigationSubjects) break;
        if (std::find(subjects.begin(), subjects.end(), p) == subjects.end()) {
          subjects.push_back(p);
        }
      }
    }
    if (!Record(res, OfficerRead(*claims, *policy, Action::kView, std::move(subjects)))) return;
    std::string out = "{\"actor\":";
    AppendJsonString(out, actor);
    out.push_back(',');
    AppendPeriodAndOpenEntries(out, page);
    for (size_t i = 0; i < result->entries.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendInvestigationEntry(out, result->entries[i].record, *policy);
    }
    out += "],\"next_cursor\":";
    AppendJsonStringOrNull(out, result->next_cursor);
    out += "}";
    res.set_content(out, "application/json");
  }

  // GET /v1/alerts
  void ListAlerts(const httplib::Request& req, httplib::Response& res) {
    auto claims = Authenticate(req, res, {TokenRole::kPrivacyOfficer, TokenRole::kCiso});
    if (!claims) return;
    std::optional<AlertStatus> status;
    std::optional<Severity> severity;
    if (const std::string s = req.get_param_value("status"); !s.empty()) {
      status = AlertStatusFromName(s);
      if (!status) {
        SetError(res, ErrorCode::kBadRequest, "status is not an alert status");
        return;
      }
    }
    if (const std::string s = req.get_param_value("severity"); !s.empty()) {
      severity = EnumFromName<Severity>(kSeverityNames, s);
      if (!severity) {
        SetError(res, ErrorCode::kBadRequest, "severity is not low, medium, high or critical");
        return;
      }
    }
    size_t limit = 100;
    if (auto err = ParseLimit(req.get_param_value("limit"), 100, &limit)) {
      SetError(res, err->code, err->message);
      return;
    }
    const std::string cursor = req.get_param_value("cursor");
    if (cursor.size() > kMaxCursorBytes) {
      SetError(res, ErrorCode::kBadRequest, "cursor too long");
      return;
    }
    const std::shared_ptr<const Policy> policy = backend->policy();
    if (!Record(res, OfficerRead(*claims, *policy, Action::kView, {}))) return;
    auto rows = store->ScanColumnFamily("alerts");
    if (!rows.ok()) {
      SetError(res, ErrorCode::kInternal, "the store could not be read");
      return;
    }
    std::string out = "{\"alerts\":[";
    size_t n = 0;
    std::string next;
    std::string last_key;
    // Alert keys are the alert ids (hex and dashes): the last one shown is the cursor.
    for (const auto& [key, value] : *rows) {
      if (!cursor.empty() && key <= cursor) continue;
      auto alert = ParseAlert(value);
      if (!alert.ok()) continue;
      if (status && alert->status != *status) continue;
      if (severity && alert->severity != *severity) continue;
      if (n == limit) {
        next = last_key;
        break;
      }
      if (n > 0) out.push_back(',');
      out += AlertToJson(*alert);
      last_key = key;
      ++n;
    }
    out += "],\"next_cursor\":";
    AppendJsonStringOrNull(out, next);
    out += "}";
    res.set_content(out, "application/json");
  }

  // GET /v1/alerts/{id}
  void GetAlert(const httplib::Request& req, httplib::Response& res) {
    auto claims = Authenticate(req, res, {TokenRole::kPrivacyOfficer, TokenRole::kCiso});
    if (!claims) return;
    const std::string id = req.matches[1];
    const std::shared_ptr<const Policy> policy = backend->policy();
    if (!Record(res, OfficerRead(*claims, *policy, Action::kView, {}))) return;
    auto alert = FindAlert(id);
    if (!alert) {
      SetError(res, ErrorCode::kNotFound, "no alert with this id");
      return;
    }
    res.set_content(AlertToJson(*alert), "application/json");
  }

  std::optional<Alert> FindAlert(const std::string& id) {
    auto row = store->Get("alerts", id);  // alerts are keyed by their id
    if (!row.ok() || !row->has_value()) return std::nullopt;
    auto alert = ParseAlert(**row);
    if (!alert.ok()) return std::nullopt;
    return std::move(alert).value();
  }

  // POST /v1/alerts/{id}/status
  void ChangeAlertStatus(const httplib::Request& req, httplib::Response& res) {
    auto claims = Authenticate(req, res, {TokenRole::kCiso});
    if (!claims) return;
    const std::string id = req.matches[1];
    simdjson::dom::parser parser;
    simdjson::dom::object body;
    if (!ParseBody(req, res, parser, &body, {"status", "reason"})) return;
    bool bad = false;
    const std::string_view status_name = StringField(body, "status", &bad);
    const std::string_view reason = StringField(body, "reason", &bad);
    if (bad || status_name.empty()) {
      SetError(res, ErrorCode::kBadRequest, "status (a string) is required");
      return;
    }
    const auto to = AlertStatusFromName(status_name);
    if (!to || *to == AlertStatus::kOpen) {
      SetError(res, ErrorCode::kBadRequest,
               "status must be acknowledged, dismissed, confirmed_breach or reported");
      return;
    }
    if (reason.empty() || reason.size() > 1000) {
      SetError(res, ErrorCode::kBadRequest, "reason is required (1-1000 characters)");
      return;
    }
    auto changed = backend->TransitionAlert(id, *to, claims->subject, std::string(reason));
    if (!changed.ok()) {
      switch (changed.status().code()) {
        case Status::Code::kNotFound:
          SetError(res, ErrorCode::kNotFound, "no alert with this id");
          return;
        case Status::Code::kFailedPrecondition:  // the lifecycle does not allow it
          SetError(res, ErrorCode::kConflict, changed.status().message());
          return;
        default:
          SetError(res, ErrorCode::kUnavailable, "the change cannot be recorded right now");
          return;
      }
    }
    Log(LogLevel::kInfo, "api", "alert status changed",
        {{"alert", id}, {"status", kAlertStatusNames[static_cast<size_t>(*to)]}});
    res.set_content(AlertToJson(*changed), "application/json");
  }
};

ApiServer::ApiServer(ApiConfig config, const Store* store, const Pseudonymizer* pseudonymizer,
                     TokenVerifier verifier, ApiBackend* backend,
                     std::shared_ptr<prometheus::Registry> registry,
                     std::function<std::string()> metrics_text)
    : impl_(std::make_unique<Impl>(std::move(config), store, pseudonymizer, std::move(verifier),
                                   backend, std::move(registry), std::move(metrics_text))) {}

ApiServer::~ApiServer() { Stop(); }

std::string ApiServer::base_url() const {
  std::string host;
  int port = 0;
  (void)ParseListenAddress(impl_->config.listen, &host, &port);
  const bool tls = !impl_->config.tls_certificate_file.empty();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port_);
}

Status ApiServer::Start() {
  Impl& impl = *impl_;
  const ApiConfig& c = impl.config;
  std::string host;
  int port = 0;
  if (Status st = ParseListenAddress(c.listen, &host, &port); !st.ok()) return st;
  if (!c.peer_key_file.empty()) {
    auto signer = TokenSigner::FromKeyFile(TokenAlgorithm::kHs256, c.peer_key_file);
    if (!signer.ok()) {
      return Status::InvalidArgument("api.peer_key_file: " + signer.status().message());
    }
    auto verifier =
        TokenVerifier::FromKeyFile(TokenAlgorithm::kHs256, c.peer_key_file, impl.PeerAudience());
    if (!verifier.ok()) {
      return Status::InvalidArgument("api.peer_key_file: " + verifier.status().message());
    }
    impl.peer_signer.emplace(std::move(signer).value());
    impl.peer_verifier.emplace(std::move(verifier).value());
  } else if (!c.peers.empty()) {
    return Status::InvalidArgument("api.peers needs api.peer_key_file (the shards' shared key)");
  }
  if (!c.tls_certificate_file.empty() || !c.tls_key_file.empty()) {
    if (c.tls_certificate_file.empty() || c.tls_key_file.empty()) {
      return Status::InvalidArgument("api: TLS needs both tls_certificate_file and tls_key_file");
    }
    auto tls = std::make_unique<httplib::SSLServer>(c.tls_certificate_file.c_str(),
                                                    c.tls_key_file.c_str());
    if (!tls->is_valid()) {
      return Status::InvalidArgument("api: cannot load the TLS certificate " +
                                     c.tls_certificate_file + " or its key");
    }
    server_ = std::move(tls);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& svr = *server_;
  const auto threads = static_cast<size_t>(std::max(1, c.threads));
  const auto queued = static_cast<size_t>(std::max(1, c.max_queued_connections));
  svr.new_task_queue = [threads, queued] { return new BoundedThreadPool(threads, queued); };
  const time_t secs = c.request_timeout_ms / 1000;
  const time_t usecs = static_cast<time_t>(c.request_timeout_ms % 1000) * 1000;
  svr.set_read_timeout(secs, usecs);
  svr.set_write_timeout(secs, usecs);
  svr.set_keep_alive_timeout(2);  // idle connections must not pin the worker threads
  svr.set_keep_alive_max_count(100);
  svr.set_payload_max_length(static_cast<size_t>(c.max_body_bytes));
  svr.set_tcp_nodelay(true);

  // Every route counts its answers under its template, never the concrete path (no ids).
  auto route = [&impl](std::string name, auto handler) {
    return [&impl, name = std::move(name), handler](const httplib::Request& req,
                                                    httplib::Response& res) {
      handler(req, res);
      impl.Count(name, res.status == -1 ? 200 : res.status);
    };
  };
  svr.Get("/healthz", route("/healthz", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("{\"status\":\"ok\"}", "application/json");
          }));
  svr.Get("/readyz", route("/readyz", [&impl](const httplib::Request&, httplib::Response& res) {
            std::string reason;
            if (impl.listening.load() && impl.backend->Ready(&reason)) {
              res.set_content("{\"status\":\"ready\"}", "application/json");
              return;
            }
            if (reason.empty()) reason = "the HTTP listener is starting";
            std::string body = "{\"status\":\"not_ready\",\"reason\":";
            AppendJsonString(body, reason);
            body += "}";
            res.status = 503;
            res.set_content(body, "application/json");
          }));
  svr.Get("/metrics", route("/metrics", [&impl](const httplib::Request&, httplib::Response& res) {
            res.set_content(impl.metrics_text ? impl.metrics_text() : std::string(),
                            "text/plain; version=0.0.4; charset=utf-8");
          }));
  svr.Get("/v1/me/accesses",
          route("/v1/me/accesses", [&impl](const httplib::Request& req, httplib::Response& res) {
            impl.CitizenAccesses(req, res, false);
          }));
  svr.Get("/v1/me/accesses.csv", route("/v1/me/accesses.csv", [&impl](const httplib::Request& req,
                                                                      httplib::Response& res) {
            impl.CitizenAccesses(req, res, true);
          }));
  svr.Get("/v1/alerts",
          route("/v1/alerts", [&impl](const httplib::Request& req, httplib::Response& res) {
            impl.ListAlerts(req, res);
          }));
  svr.Get(R"(/v1/alerts/([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}))",
          route("/v1/alerts/{id}", [&impl](const httplib::Request& req, httplib::Response& res) {
            impl.GetAlert(req, res);
          }));
  svr.Post(
      R"(/v1/alerts/([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})/status)",
      route("/v1/alerts/{id}/status", [&impl](const httplib::Request& req, httplib::Response& res) {
        impl.ChangeAlertStatus(req, res);
      }));
  // Well-formed ids only reach the handlers above; anything else under /v1/alerts/ is a bad id.
  auto bad_alert_id = route("/v1/alerts/{id}", [](const httplib::Request&, httplib::Response& res) {
    SetError(res, ErrorCode::kBadRequest, "not an alert id");
  });
  svr.Get(R"(/v1/alerts/[^/]+)", bad_alert_id);
  svr.Post(R"(/v1/alerts/[^/]+/status)", bad_alert_id);
  svr.Get(R"(/v1/actors/([^/]{1,128})/accesses)",
          route("/v1/actors/{id}/accesses",
                [&impl](const httplib::Request& req, httplib::Response& res) {
                  impl.ActorAccesses(req, res);
                }));
  svr.Post(
      "/v1/subjects/accesses",
      route("/v1/subjects/accesses", [&impl](const httplib::Request& req, httplib::Response& res) {
        impl.SubjectAccesses(req, res, false);
      }));
  svr.Post("/v1/internal/subject-accesses",
           route("/v1/internal/subject-accesses",
                 [&impl](const httplib::Request& req, httplib::Response& res) {
                   impl.SubjectAccesses(req, res, true);
                 }));
  // Errors produced by cpp-httplib itself (no route, body too large, URI too long, bad
  // request line) get the same JSON shape as ours.
  svr.set_error_handler(httplib::Server::HandlerWithResponse(
      [&impl](const httplib::Request& /*req*/, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        ErrorCode code = ErrorCode::kBadRequest;
        std::string message = "bad request";
        switch (res.status) {
          case 404:
            code = ErrorCode::kNotFound;
            message = "no such route";
            break;
          case 405:
            code = ErrorCode::kMethodNotAllowed;
            message = "method not allowed";
            break;
          case 413:
            code = ErrorCode::kPayloadTooLarge;
            message = "request body too large";
            break;
          case 414:
            message = "request line too long";
            break;
          default:
            if (res.status >= 500) {
              code = ErrorCode::kInternal;
              message = "internal error";
            }
            break;
        }
        const int status = res.status;
        SetError(res, code, message);
        res.status = status;
        if (status == 404) impl.Count("unmatched", status);
        return httplib::Server::HandlerResponse::Handled;
      }));
  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        Log(LogLevel::kError, "api", "request handler failed");
        SetError(res, ErrorCode::kInternal, "internal error");
      });

  if (port == 0) {
    port_ = svr.bind_to_any_port(host);
    if (port_ <= 0) return Status::IoError("api: cannot listen on " + c.listen);
  } else {
    if (!svr.bind_to_port(host, port)) {
      return Status::IoError("api: cannot listen on " + c.listen +
                             " (address in use, or not an address of this host)");
    }
    port_ = port;
  }
  impl.listening = true;
  thread_ = std::thread([&svr] {
    NameThisThread("inzage-listen");
    svr.listen_after_bind();
  });
  // Stop() is a no-op until the server runs: wait for it, so a Stop right after Start ends it.
  for (int i = 0; i < 5000 && !svr.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::Ok();
}

void ApiServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  if (impl_) impl_->listening = false;
}

}  // namespace inzage::api
