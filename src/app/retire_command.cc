// inzage retire: the last step of retiring an instance (docs/scale-out.md). Its history is in
// another store by now (`inzage hand-over`); this publishes it as retired on the membership
// topic, signed with the peer key like every member record, so that no instance asks it again.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "app/commands.h"
#include "app/daemon_config.h"
#include "app/daemon_state.h"
#include "app/daemon_steps.h"
#include "common/secret_file.h"
#include "ingest/membership.h"

namespace inzage::app {

int Retire(const RetireOptions& o) {
  const auto fail = [](const std::string& why) {
    std::fprintf(stderr, "inzage retire: %s\n", why.c_str());
    return 1;
  };
  auto config = LoadDaemonConfig(o.config);
  if (!config.ok()) return fail(config.status().message());
  if (config->kafka.membership_topic.empty()) {
    return fail(o.config + " sets no kafka.topics.membership: there is nothing to retire from");
  }
  DaemonState state;
  state.config = std::move(config).value();
  if (Status st = steps::ReadKafkaSecrets(state); !st.ok()) return fail(st.message());
  auto peer_key = ReadHexSecretFile(state.config.api.peer_key_file, "api.peer_key_file", 32);
  if (!peer_key.ok()) return fail(peer_key.status().message());
  Member retired;
  retired.instance = o.instance.empty() ? state.config.kafka.instance_name : o.instance;
  retired.state = MemberState::kRetired;
  retired.updated = WallNow();
  {
    // The member as the others see it: it must exist and be stopped (a running instance would
    // overwrite the record at its next change, and is still consuming), and the retired record
    // must be newer than its last one even when this machine's clock is behind the instance's.
    MembershipOptions read;
    read.kafka = state.config.kafka;
    read.topic = state.config.kafka.membership_topic;
    read.peer_key = *peer_key;
    Membership members(std::move(read));
    auto complete = members.ReadToEnd(std::chrono::seconds(15));
    if (!complete.ok()) return fail(complete.status().message());
    if (!*complete) return fail("the membership topic was not read to its end within 15 s");
    const std::vector<Member> all = members.Members();
    const auto it = std::find_if(all.begin(), all.end(),
                                 [&](const Member& m) { return m.instance == retired.instance; });
    if (it == all.end()) {
      return fail("no member " + retired.instance + " on " + state.config.kafka.membership_topic);
    }
    if (it->state == MemberState::kRunning && !o.force) {
      return fail("instance " + retired.instance +
                  " is running: stop it and hand its store over first (docs/scale-out.md); "
                  "--force when its host is gone and it never stopped cleanly");
    }
    retired.updated = std::max(retired.updated, it->updated + 1);
    retired.api_url = it->api_url;  // its own, as the others know it
  }
  if (Status st = Membership::PublishOnce(state.config.kafka, state.config.kafka.membership_topic,
                                          *peer_key, retired);
      !st.ok()) {
    return fail(st.message());
  }
  std::printf("instance %s is retired on %s: the other instances no longer ask it\n",
              retired.instance.c_str(), state.config.kafka.membership_topic.c_str());
  return 0;
}

}  // namespace inzage::app
