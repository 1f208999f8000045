#include "app/signals.h"

#include <signal.h>

#include <atomic>

namespace inzage::app {
namespace {

std::atomic<EventPipeline*> g_pipeline{nullptr};
std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload_requested{false};

void OnSignal(int signo) {
  if (signo == SIGHUP) {
    g_reload_requested.store(true);
    return;
  }
  g_stop.store(true);
  if (EventPipeline* p = g_pipeline.load()) p->RequestStop();
}

}  // namespace

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

void SetStopTarget(EventPipeline* pipeline) {
  g_pipeline.store(pipeline);
  if (pipeline != nullptr && g_stop.load()) pipeline->RequestStop();
}

bool TakeReloadRequest() { return g_reload_requested.exchange(false); }

}  // namespace inzage::app
