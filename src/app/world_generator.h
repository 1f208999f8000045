// WorldGenerator: a realistic, deterministic world for the default Noaberkracht policy —
// employees over the roles, citizens in households, cases with assignees, consents, triage
// decisions, processors — and a stream of access events over it: mostly legitimate work, a few
// percent of the violations the policy exists to catch, and a trickle of invalid messages.
//
// Used by `inzage generate`, the demo and the benchmarks. The same seed gives the same bytes.
// All BSNs are from the 9999xxxxx test range that passes the elfproef (about 9,000 numbers), so
// a world holds at most kMaxPeople citizens and employees together.
//
// Thread safety: one instance per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace inzage {

class WorldGenerator {
 public:
  static constexpr int kMaxPeople = 9000;

  struct Options {
    int employees = 300;
    int citizens = 5000;
    std::int64_t start_micros = 0;  // event time of the first event
    unsigned seed = 1;
    // Non-zero: the events come from this seed instead, over the world of `seed` (event ids
    // carry it, so two streams never share an id).
    unsigned stream_seed = 0;
    int violations_per_mille = 55;  // events that break a rule (demo default: about 5 %)
    int invalid_per_mille = 5;      // messages that are not valid access events
  };

  explicit WorldGenerator(const Options& options);

  // The reference records (docs/contracts.md §2), one JSON object per element.
  [[nodiscard]] std::vector<std::string> ReferenceRecords() const;
  // The next access event as one JSON line (no newline); event time advances 0.2-4 s per event
  // during office hours.
  std::string NextEvent();

  [[nodiscard]] long long events_made() const { return counter_; }
  // The event time of the latest event made (the next one is later).
  [[nodiscard]] std::int64_t event_time() const { return now_; }
  // How far event time moves from one event to the next (uniform in [min, max)); by default
  // 0.2-4 s, a realistic office. The demo makes it shorter once it has caught up with the wall
  // clock, so that the live stream is not too slow to watch.
  void set_step(std::int64_t min_micros, std::int64_t max_micros) {
    step_min_ = min_micros;
    step_span_ = max_micros > min_micros ? max_micros - min_micros : 1;
  }
  // For the demo's ready-made tokens: the id of the first employee with `role` (empty if none),
  // and the BSN of a citizen with an open case (whose data the stream keeps touching).
  [[nodiscard]] std::string EmployeeWithRole(const std::string& role) const;
  [[nodiscard]] std::string CitizenWithCase() const;

 private:
  struct Employee {
    std::string id;
    std::string role;
    std::string team;
    std::string domain;  // home domain
    std::string bsn;
    std::string household;
    bool both_municipalities = true;
    std::string municipality;
  };
  struct Citizen {
    std::string bsn;
    std::string household;
    bool vip = false;
    bool brp_secret = false;
  };
  struct CaseInfo {
    std::string id;
    std::string domain;
    std::string municipality;
    int citizen = 0;
    int employee = 0;  // personal assignee
    int regisseur = -1;
    bool closed = false;
  };

  std::string EventJson(const Employee& actor, const std::string& action,
                        const std::vector<int>& citizens, const std::string& domain,
                        const std::string& info, const std::string& purpose,
                        const std::string& case_id, const std::string& extra);
  int PickEmployee(const std::string& role);
  std::string Legitimate();
  std::string Violation();
  std::string Invalid();

  [[nodiscard]] unsigned StreamSeed() const {
    return options_.stream_seed != 0 ? options_.stream_seed : options_.seed;
  }

  Options options_;
  std::mt19937_64 rng_;
  std::vector<Employee> employees_;
  std::vector<Citizen> citizens_;
  std::vector<CaseInfo> cases_;
  std::vector<std::vector<int>> employees_by_role_index_;
  std::vector<std::string> role_names_;
  std::int64_t now_;
  std::int64_t step_min_ = 200'000;
  std::int64_t step_span_ = 3'800'000;
  long long counter_ = 0;
};

}  // namespace inzage
